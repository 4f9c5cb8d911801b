import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKS, type CheckResult, checkPackages } from '../src/check.js';
import { findRepoRoot } from '../src/workspaces.js';

const root = findRepoRoot(import.meta.dirname);

// Every publishable package of this repository, packed as npm would publish it: one pass, one test per check.
describe('the packages of this repository', () => {
  let result: CheckResult;
  beforeAll(async () => {
    result = await checkPackages(root);
  });

  it('are all checked', () => {
    expect(result.packages).toContain('@openaccel/accelctl');
    expect(result.packages).toContain('@openaccel/codegen');
    expect(result.packages).not.toContain('@openaccel/kmod');
    expect(result.checks).toEqual([...CHECKS]);
  });

  for (const check of CHECKS) {
    it(`pass ${check}`, () => {
      const found = result.problems.filter((p) => p.check === check).map((p) => `${p.pkg}: ${p.message}`);
      expect(found).toEqual([]);
    });
  }
});

describe('openaccel-package-check (the command)', () => {
  const bin = join(import.meta.dirname, '..', 'dist', 'bin.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });

  it('prints one verdict line and exits 0 when the selected checks find nothing', () => {
    const r = run('--only', 'manifest');
    expect(r.stdout).toMatch(/^\d+ packages, checks manifest: clean\n$/);
    expect(r.status).toBe(0);
  });

  it('prints versioned JSON with --json', () => {
    const r = run('--only', 'manifest', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'openaccel-package-check/1', checks: ['manifest'], problems: [] });
  });

  it('exits 2 on an unknown check', () => {
    const r = run('--only', 'nonsense');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown check: nonsense/);
  });
});
