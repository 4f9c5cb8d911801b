// Adds lock-file entries for optional platform packages that this machine's registry does not serve
// (darwin, win32, ...). npm install leaves them out; npm ci then refuses the lock file as "out of sync".
// The entries carry only version, os and cpu: npm never fetches a package whose os/cpu do not match.
// Run after `npm install` whenever package-lock.json changes:  node .ci/lock-foreign-platforms.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const file = join(import.meta.dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const OS = [['darwin', 'darwin'], ['windows', 'win32'], ['win32', 'win32'], ['freebsd', 'freebsd'], ['openbsd', 'openbsd'], ['android', 'android'], ['sunos', 'sunos'], ['aix', 'aix']];
const CPU = [['arm64', 'arm64'], ['aarch64', 'arm64'], ['x64', 'x64'], ['64', 'x64'], ['ia32', 'ia32'], ['arm', 'arm'], ['riscv64', 'riscv64'], ['ppc64', 'ppc64'], ['s390x', 's390x'], ['loong64', 'loong64']];
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const where = `${path ? `${path}/` : ''}node_modules/${name}`;
    if (lock.packages[where] || lock.packages[`node_modules/${name}`]) continue;
    const leaf = name.split('/').pop();
    const os = OS.find(([k]) => leaf.includes(k))?.[1];
    const cpu = CPU.find(([k]) => leaf.includes(k))?.[1];
    if (!os || !cpu || os === 'linux') continue;
    lock.packages[`node_modules/${name}`] = { version, cpu: [cpu], dev: entry.dev, license: entry.license, optional: true, os: [os] };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} foreign-platform lock entries`);
