import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Problem } from './problem.js';
import { REPOSITORY } from './problem.js';
import { runOk } from './run.js';
import { withTempDir } from './temp-dir.js';
import { readJson, type Workspace } from './workspaces.js';

interface DryRun {
  globalCacheInputs: { files: Record<string, string> };
  tasks: { taskId: string; hash: string }[];
}

function turbo(root: string, cwd: string, args: string[]): string {
  const bin = join(root, 'node_modules', '.bin', 'turbo');
  return runOk(bin, args, cwd, { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' });
}

function dryRun(root: string, cwd: string, filter?: string): DryRun {
  const args = ['run', 'build', '--dry=json', ...(filter ? [`--filter=${filter}`] : [])];
  return JSON.parse(turbo(root, cwd, args)) as DryRun;
}

/** The files above the workspaces that workspace tsconfig.json files extend: inputs of every build. */
export function rootInputs(root: string, workspaces: Workspace[]): string[] {
  const out = new Set<string>();
  for (const w of workspaces) {
    const file = join(root, w.dir, 'tsconfig.json');
    if (!existsSync(file)) continue;
    const ext = readJson<{ extends?: string }>(file).extends;
    if (!ext) continue;
    const target = relative(root, resolve(root, w.dir, ext));
    if (!target.startsWith('..') && !target.includes('/')) out.add(target);
  }
  return [...out].sort();
}

/**
 * Every root input is a turbo global dependency (the dry run lists it among the global cache inputs), and,
 * in a scratch repository using this turbo.json, changing the compile target changes the build's hash.
 */
export async function checkTurboGlobalInputs(root: string, workspaces: Workspace[]): Promise<Problem[]> {
  const out: Problem[] = [];
  const listed = Object.keys(dryRun(root, root, workspaces[0]?.manifest.name).globalCacheInputs.files);
  for (const input of rootInputs(root, workspaces)) {
    if (!listed.includes(input)) {
      out.push({ pkg: REPOSITORY, check: 'turbo', message: `${input} is not in turbo.json "globalDependencies"` });
    }
  }
  if (!(await targetChangeMissesCache(root))) {
    out.push({
      pkg: REPOSITORY,
      check: 'turbo',
      message: 'changing "target" in tsconfig.base.json leaves the build hash unchanged (the cache would be hit)',
    });
  }
  return out;
}

/** Builds a one-package repository with the real turbo.json and tsconfig.base.json, and edits the target. */
export async function targetChangeMissesCache(root: string): Promise<boolean> {
  return withTempDir('openaccel-turbo', (dir) => {
    const rootManifest = readJson<{ packageManager?: string }>(join(root, 'package.json'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'fixture', private: true, packageManager: rootManifest.packageManager, workspaces: ['a'] }),
    );
    copyFileSync(join(root, 'turbo.json'), join(dir, 'turbo.json'));
    copyFileSync(join(root, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
    mkdirSync(join(dir, 'a', 'src'), { recursive: true });
    writeFileSync(join(dir, 'a', 'package.json'), '{"name":"a","version":"1.0.0","scripts":{"build":"tsc"}}');
    writeFileSync(join(dir, 'a', 'tsconfig.json'), '{"extends":"../tsconfig.base.json","include":["src"]}');
    writeFileSync(join(dir, 'a', 'src', 'index.ts'), 'export const a = 1;\n');
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lockFor()));
    const hash = (): string => dryRun(root, dir).tasks.find((t) => t.taskId === 'a#build')?.hash ?? '';
    const before = hash();
    const base = readFileSync(join(dir, 'tsconfig.base.json'), 'utf8');
    const changed = base.replace(/"target"\s*:\s*"([^"]*)"/, (_m, t: string) => `"target": "${t === 'ES2017' ? 'ES2020' : 'ES2017'}"`);
    if (changed === base) throw new Error('tsconfig.base.json has no "target" to change');
    writeFileSync(join(dir, 'tsconfig.base.json'), changed);
    const after = hash();
    return before !== '' && before !== after;
  });
}

function lockFor(): object {
  return {
    name: 'fixture',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'fixture', workspaces: ['a'] }, a: { version: '1.0.0' }, 'node_modules/a': { resolved: 'a', link: true } },
  };
}
