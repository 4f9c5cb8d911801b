import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { apiReport } from './api-report.js';
import { attwTarball, publintTarball } from './lint-tarball.js';
import {
  checkBuiltBeforeCheck,
  checkChangesetsConfig,
  checkPublishedManifest,
  checkWorkspaceManifest,
} from './manifest-rules.js';
import { packWorkspaces } from './pack.js';
import type { Problem } from './problem.js';
import { requireFromTarballs } from './require-check.js';
import { checkTarball } from './tarball-rules.js';
import { withTempDir } from './temp-dir.js';
import { checkTurboGlobalInputs } from './turbo-inputs.js';
import { listWorkspaces, publishable, readJson } from './workspaces.js';

export const CHECKS = ['manifest', 'tarball', 'publint', 'attw', 'require', 'turbo', 'api-report'] as const;
export type CheckName = (typeof CHECKS)[number];

export interface CheckOptions {
  only?: ReadonlySet<CheckName>;
  /** Rewrite the API reports instead of comparing them. */
  updateApiReports?: boolean;
  /** Write API Extractor's doc models (`<name>.api.json`) here, for the API reference. */
  docModelDir?: string;
  /** Called before each step, for progress output (the CLI prints it; the library does not). */
  onStep?: (step: string) => void;
}

export interface CheckResult {
  /** The packages npm would publish, each checked. */
  packages: string[];
  checks: CheckName[];
  problems: Problem[];
}

const TARBALL_CHECKS: CheckName[] = ['tarball', 'publint', 'attw', 'require'];

/** Every package check over the repository at `root`; temporary folders are gone when it returns. */
export async function checkPackages(root: string, options: CheckOptions = {}): Promise<CheckResult> {
  const checks = CHECKS.filter((c) => !options.only || options.only.has(c));
  const on = (c: CheckName): boolean => checks.includes(c);
  const step = options.onStep ?? (() => {});
  const workspaces = listWorkspaces(root);
  const published = publishable(workspaces);
  const problems: Problem[] = [];
  if (on('manifest')) {
    step('manifest rules');
    for (const w of workspaces) problems.push(...checkWorkspaceManifest(w, workspaces));
    for (const w of published) problems.push(...checkPublishedManifest(w.manifest));
    problems.push(...checkChangesetsConfig(readJson(join(root, '.changeset', 'config.json'))));
    problems.push(...checkBuiltBeforeCheck(workspaces, published));
  }
  if (TARBALL_CHECKS.some(on)) {
    await withTempDir('openaccel-pack', async (dest) => {
      step(`npm pack ${published.length} packages`);
      const packed = packWorkspaces(root, published, dest);
      for (const p of packed) {
        const name = p.workspace.manifest.name;
        if (on('tarball')) problems.push(...checkTarball(p));
        if (on('publint')) {
          step(`publint ${name}`);
          problems.push(...(await publintTarball(p)));
        }
        if (on('attw')) {
          step(`attw ${name}`);
          problems.push(...attwTarball(p));
        }
      }
      if (on('require')) {
        step('require() each package from CommonJS');
        // The scratch project sits inside the repository's node_modules so that the tarballs' third-party
        // dependencies resolve from the repository's install, as they would from a user's.
        const scratchParent = join(root, 'node_modules');
        problems.push(...(await withTempDir('.openaccel-require-check', (s) => requireFromTarballs(root, packed, s), scratchParent)));
      }
    });
  }
  if (on('turbo')) {
    step('turbo global inputs');
    problems.push(...(await checkTurboGlobalInputs(root, workspaces)));
  }
  if (on('api-report')) {
    await withTempDir('openaccel-api', (tempDir) => {
      if (options.docModelDir) mkdirSync(options.docModelDir, { recursive: true });
      for (const w of published) {
        step(`API report ${w.manifest.name}`);
        const docModelDir = options.docModelDir;
        problems.push(...apiReport(root, w, { update: options.updateApiReports ?? false, tempDir, ...(docModelDir ? { docModelDir } : {}) }));
      }
    });
  }
  return { packages: published.map((w) => w.manifest.name), checks, problems };
}

