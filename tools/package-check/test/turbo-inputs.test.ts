import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withTempDir } from '../src/temp-dir.js';
import { rootInputs, targetChangeMissesCache } from '../src/turbo-inputs.js';
import { findRepoRoot, listWorkspaces } from '../src/workspaces.js';

const root = findRepoRoot(import.meta.dirname);

describe('turbo global inputs', () => {
  it('the root files the workspace tsconfigs extend are the root inputs', () => {
    expect(rootInputs(root, listWorkspaces(root))).toContain('tsconfig.base.json');
  });

  it('with this repository turbo.json, changing the compile target changes the build hash', async () => {
    expect(await targetChangeMissesCache(root)).toBe(true);
  });

  it('without tsconfig.base.json as a global dependency, the same change would hit the cache', async () => {
    // A root like this one whose turbo.json lacks globalDependencies: the check must see the difference.
    await withTempDir('turbo-old', (fake) => {
      const turbo = JSON.parse(readFileSync(join(root, 'turbo.json'), 'utf8')) as Record<string, unknown>;
      delete turbo.globalDependencies;
      writeFileSync(join(fake, 'turbo.json'), JSON.stringify(turbo));
      copyFileSync(join(root, 'tsconfig.base.json'), join(fake, 'tsconfig.base.json'));
      copyFileSync(join(root, 'package.json'), join(fake, 'package.json'));
      mkdirSync(join(fake, 'node_modules', '.bin'), { recursive: true });
      symlinkSync(join(root, 'node_modules', '.bin', 'turbo'), join(fake, 'node_modules', '.bin', 'turbo'));
      return targetChangeMissesCache(fake).then((missed) => expect(missed).toBe(false));
    });
  });
});
