import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Packed } from './pack.js';
import type { Problem } from './problem.js';

// Source maps of a package this size are well under a megabyte; a larger one is refused, not parsed.
const MAX_MAP_BYTES = 16 << 20;
const TEST_FILE = /(^|\/)(test|tests|__tests__|__mocks__)\/|\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)vitest\.config\./;
const MAP_URL = /\/[/*]# sourceMappingURL=([^\s*]+)/;

function problem(pkg: string, message: string): Problem {
  return { pkg, check: 'tarball', message };
}

/** What a tarball must hold: LICENSE, README, no tests, source maps whose sources are in it too. */
export function checkTarball(packed: Packed): Problem[] {
  const name = packed.workspace.manifest.name;
  const files = new Set(packed.files);
  const out: Problem[] = [];
  if (![...files].some((f) => /^LICEN[CS]E(\.md|\.txt)?$/i.test(f))) out.push(problem(name, 'no LICENSE file'));
  if (!files.has('README.md')) out.push(problem(name, 'no README.md'));
  for (const f of files) if (TEST_FILE.test(f)) out.push(problem(name, `test file shipped: ${f}`));
  for (const f of files) {
    if (/\.(m|c)?js$|\.d\.[cm]?ts$/.test(f)) {
      const url = MAP_URL.exec(readTail(join(packed.unpacked, f)))?.[1];
      if (url && !url.startsWith('data:') && !files.has(posix.join(posix.dirname(f), url))) {
        out.push(problem(name, `${f} points at a source map that is not shipped: ${url}`));
      }
    }
    if (f.endsWith('.map')) out.push(...checkSourceMap(packed, f, files));
  }
  return out;
}

// The sourceMappingURL comment is on the last line: only the file's tail is read.
function readTail(file: string, bytes = 1024): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(bytes, size));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function checkSourceMap(packed: Packed, f: string, files: Set<string>): Problem[] {
  const name = packed.workspace.manifest.name;
  const file = join(packed.unpacked, f);
  if (statSync(file).size > MAX_MAP_BYTES) return [problem(name, `${f}: source map larger than ${MAX_MAP_BYTES} bytes`)];
  let map: { sources?: unknown; sourceRoot?: unknown; sourcesContent?: unknown };
  try {
    map = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [problem(name, `${f}: not a JSON source map`)];
  }
  const sources = Array.isArray(map.sources) ? map.sources : [];
  const inlined = Array.isArray(map.sourcesContent) && map.sourcesContent.length === sources.length;
  if (inlined) return [];
  const root = typeof map.sourceRoot === 'string' ? map.sourceRoot : '';
  const out: Problem[] = [];
  for (const source of sources) {
    const path = posix.normalize(posix.join(posix.dirname(f), root, String(source)));
    if (path.startsWith('..') || !files.has(path)) {
      out.push(problem(name, `${f} maps to ${String(source)}, which is not in the tarball`));
    }
  }
  return out;
}

