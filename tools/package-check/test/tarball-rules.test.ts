import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Packed } from '../src/pack.js';
import { checkTarball } from '../src/tarball-rules.js';
import { withTempDir } from '../src/temp-dir.js';

/** A fake unpacked tarball with the given files. */
function packedWith(dir: string, files: Record<string, string>): Packed {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { workspace: { dir: 'x', manifest: { name: 'x' } }, tarball: '', unpacked: dir, files: Object.keys(files).sort() };
}

const map = (source: string): string => JSON.stringify({ version: 3, sources: [source], mappings: '' });

describe('tarball rules', () => {
  it('accept LICENSE, README and source maps whose sources are shipped', async () => {
    await withTempDir('tarball-rules', (dir) => {
      const p = packedWith(dir, {
        LICENSE: 'MIT',
        'README.md': '# x',
        'package.json': '{}',
        'dist/a.js': 'export {};\n//# sourceMappingURL=a.js.map',
        'dist/a.js.map': map('../src/a.ts'),
        'src/a.ts': 'export {};',
      });
      expect(checkTarball(p)).toEqual([]);
    });
  });

  it('report a missing LICENSE and README, shipped tests, and maps to sources not in the tarball', async () => {
    await withTempDir('tarball-rules', (dir) => {
      const p = packedWith(dir, {
        'package.json': '{}',
        'dist/a.js': 'export {};\n//# sourceMappingURL=a.js.map',
        'dist/a.js.map': map('../src/a.ts'),
        'dist/b.js': 'export {};\n//# sourceMappingURL=b.js.map',
        'test/a.test.ts': '',
        'dist/c.spec.js': '',
      });
      expect(checkTarball(p).map((x) => x.message).sort()).toEqual([
        'no LICENSE file',
        'no README.md',
        'dist/a.js.map maps to ../src/a.ts, which is not in the tarball',
        'dist/b.js points at a source map that is not shipped: b.js.map',
        'test file shipped: dist/c.spec.js',
        'test file shipped: test/a.test.ts',
      ].sort());
    });
  });
});
