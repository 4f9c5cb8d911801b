import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiReport, readReport, UPDATE_COMMAND } from '../src/api-report.js';
import { withTempDir } from '../src/temp-dir.js';
import type { Workspace } from '../src/workspaces.js';

const workspace: Workspace = {
  dir: 'pkg',
  manifest: { name: '@openaccel/fake', version: '0.1.0', exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } } },
};

function fakePackage(root: string, declarations: string): void {
  const dir = join(root, 'pkg');
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(workspace.manifest));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: [] } }),
  );
  writeFileSync(join(dir, 'dist', 'index.d.ts'), declarations);
}

describe('public API report', () => {
  it('is written by an update, then matches; an added export fails the check and names the update command', async () => {
    await withTempDir('api-report', async (root) => {
      const tempDir = join(root, 'out');
      fakePackage(root, '/** Doubles. */\nexport declare function double(n: number): number;\n');
      expect(apiReport(root, workspace, { update: true, tempDir })).toEqual([]);
      expect(readReport(root, workspace)).toContain('export function double(n: number): number;');
      expect(apiReport(root, workspace, { update: false, tempDir })).toEqual([]);

      fakePackage(root, '/** Doubles. */\nexport declare function double(n: number): number;\nexport declare const extra = 1;\n');
      const drift = apiReport(root, workspace, { update: false, tempDir });
      expect(drift).toHaveLength(1);
      expect(drift[0]?.message).toContain(`run \`${UPDATE_COMMAND}\``);
      expect(drift[0]?.message).toContain('pkg/etc/fake.api.md');
      // A check never rewrites the committed report.
      expect(readReport(root, workspace)).not.toContain('const extra');
    });
  });

  it('reports a package whose declarations are not built', async () => {
    await withTempDir('api-report', (root) => {
      mkdirSync(join(root, 'pkg'));
      const problems = apiReport(root, workspace, { update: false, tempDir: join(root, 'out') });
      expect(problems.map((p) => p.message)).toEqual(['./dist/index.d.ts missing: build first']);
      expect(existsSync(join(root, 'pkg', 'etc'))).toBe(false);
    });
  });
});
