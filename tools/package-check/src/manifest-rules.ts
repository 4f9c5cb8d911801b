import semver from 'semver';
import { type Problem, REPOSITORY } from './problem.js';
import type { Manifest, Workspace } from './workspaces.js';

const DEP_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies'] as const;

/** The Node versions every package supports: require() of an ES module works from 20.19 on. */
export const NODE_ENGINES = '>=20.19 <21 || >=22';

function problem(pkg: string, message: string): Problem {
  return { pkg, check: 'manifest', message };
}

/**
 * The workspaces that are not for npm, each with its reason: the kernel driver is C built against a kernel
 * tree, and this checker is a tool of the repository. Every other workspace is published.
 */
export const UNPUBLISHED = new Set(['@openaccel/kmod', '@openaccel/package-check']);

/** Changesets publishes scoped packages as restricted (paid, private) unless told otherwise. */
export function checkChangesetsConfig(config: { access?: string }): Problem[] {
  return config.access === 'public'
    ? []
    : [problem(REPOSITORY, `.changeset/config.json "access" is "${config.access}": scoped packages need "public"`)];
}

/** turbo builds a workspace before this checker's tests only if the checker depends on it. */
export function checkBuiltBeforeCheck(workspaces: Workspace[], published: Workspace[]): Problem[] {
  const self = workspaces.find((w) => w.manifest.name === '@openaccel/package-check');
  if (!self) return [];
  return published
    .filter((w) => !(w.manifest.name in (self.manifest.devDependencies ?? {})))
    .map((w) =>
      problem(w.manifest.name, `not in ${self.dir}/package.json devDependencies: turbo would not build it before the check`),
    );
}

/** Rules for every workspace, published or not: engines, and internal dependencies npm can link. */
export function checkWorkspaceManifest(workspace: Workspace, all: Workspace[]): Problem[] {
  const m = workspace.manifest;
  const out: Problem[] = [];
  if (typeof m.engines?.node !== 'string') out.push(problem(m.name, 'no "engines": {"node": ...}'));
  if (m.private === true && !UNPUBLISHED.has(m.name)) out.push(problem(m.name, '"private": npm would not publish it'));
  for (const field of DEP_FIELDS) {
    for (const [dep, range] of Object.entries(m[field] ?? {})) {
      const target = all.find((w) => w.manifest.name === dep);
      if (!target) continue;
      const version = target.manifest.version ?? '';
      if (semver.validRange(range) === null || range.trim() === '*' || range.trim() === '' || range === 'latest') {
        out.push(problem(m.name, `${field}.${dep} is "${range}": give a real range such as "^${version}"`));
      } else if (!semver.satisfies(version, range)) {
        // npm would fetch the registry's copy instead of linking the workspace.
        out.push(problem(m.name, `${field}.${dep} is "${range}", which the workspace's ${version} does not satisfy`));
      }
    }
  }
  return out;
}

function conditionObjects(exportsField: unknown, at: string, out: [string, Record<string, unknown>][]): void {
  if (typeof exportsField !== 'object' || exportsField === null || Array.isArray(exportsField)) return;
  const entries = Object.entries(exportsField as Record<string, unknown>);
  if (entries.some(([k]) => !k.startsWith('.'))) out.push([at, exportsField as Record<string, unknown>]);
  for (const [k, v] of entries) conditionObjects(v, k.startsWith('.') ? k : `${at} ${k}`, out);
}

/** Rules for a package npm publishes. */
export function checkPublishedManifest(m: Manifest): Problem[] {
  const out: Problem[] = [];
  const version = m.version ?? '';
  if (semver.valid(version) === null) out.push(problem(m.name, `version "${version}" is not a semver version`));
  else if (semver.eq(version, '0.0.0')) out.push(problem(m.name, 'version 0.0.0 is a placeholder, not a release'));
  if (!m.license) out.push(problem(m.name, 'no "license"'));
  if (m.exports === undefined) out.push(problem(m.name, 'no "exports"'));
  const objects: [string, Record<string, unknown>][] = [];
  conditionObjects(m.exports, '.', objects);
  for (const [at, conditions] of objects) {
    const js = Object.values(conditions).some((v) => typeof v === 'string' && /\.[cm]?js$/.test(v));
    if (!js) continue;
    // Node >= 20.19 require()s an ES module, but only through a condition require() matches.
    if (!('default' in conditions) && !('require' in conditions)) {
      out.push(problem(m.name, `exports "${at}" has no "default" condition: require() cannot resolve it`));
    }
    if (!('types' in conditions)) out.push(problem(m.name, `exports "${at}" has no "types" condition`));
  }
  return out;
}
