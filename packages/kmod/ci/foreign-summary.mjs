// Host side: one line per foreign-driver report of the kernel job, and every rule a driver broke with the
// rule's source. Exit 1 when a report is missing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
const targets = ['vgem-drm-core', 'vgem-prime-dmabuf', 'system-heap-dmabuf', 'udmabuf-dmabuf', 'kmod-dmabuf'];
let missing = 0;
for (const t of targets) {
  let r;
  try {
    r = JSON.parse(readFileSync(join(out, `foreign-${t}.json`), 'utf8'));
  } catch {
    console.log(`kernel foreign ${t}: no report`);
    missing++;
    continue;
  }
  console.log(`kernel foreign ${t}: ${r.verdict} ${JSON.stringify(r.totals)}`);
  for (const x of r.tests) if (x.status !== 'pass' && x.status !== 'skip') console.log(`   ${x.status} ${x.id}: ${x.message ?? ''} [${x.source}]`);
}
process.exit(missing ? 1 : 0);
