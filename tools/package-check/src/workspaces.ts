import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The fields of a package.json these checks read. */
export interface Manifest {
  name: string;
  version?: string;
  private?: boolean;
  license?: string;
  type?: string;
  main?: string;
  types?: string;
  engines?: Record<string, string>;
  files?: string[];
  bin?: Record<string, string> | string;
  exports?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  workspaces?: string[];
}

/** A workspace of the repository: its folder (relative to the root) and its package.json. */
export interface Workspace {
  dir: string;
  manifest: Manifest;
}

// A package.json or config larger than this is not one of ours; refuse it rather than read it.
const MAX_MANIFEST_BYTES = 1 << 20;

export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'ManifestError';
  }
}

/** A small JSON file of the repository (package.json, tsconfig.json, a config), its size bounded first. */
export function readJson<T = Record<string, unknown>>(file: string): T {
  const size = statSync(file).size;
  if (size > MAX_MANIFEST_BYTES) throw new ManifestError(file, `${size} bytes, more than ${MAX_MANIFEST_BYTES}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new ManifestError(file, `not JSON: ${(e as Error).message}`);
  }
}

export function readManifest(file: string): Manifest {
  const parsed = readJson<unknown>(file);
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as Manifest).name !== 'string') {
    throw new ManifestError(file, 'not an object with a string "name"');
  }
  return parsed as Manifest;
}

/** The repository root: the nearest folder above `from` whose package.json declares workspaces. */
export function findRepoRoot(from: string): string {
  let dir = resolve(from);
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && Array.isArray(readManifest(file).workspaces)) return dir;
    const parent = resolve(dir, '..');
    if (parent === dir) throw new ManifestError(from, 'no package.json with "workspaces" above it');
    dir = parent;
  }
}

/** Every workspace the root package.json names, in its order ("dir/*" and plain folders, as npm reads them). */
export function listWorkspaces(root: string): Workspace[] {
  const out: Workspace[] = [];
  for (const pattern of readManifest(join(root, 'package.json')).workspaces ?? []) {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => `${pattern.slice(0, -2)}/${e.name}`)
          .sort()
      : [pattern];
    for (const dir of dirs) {
      const file = join(root, dir, 'package.json');
      if (existsSync(file)) out.push({ dir, manifest: readManifest(file) });
    }
  }
  return out;
}

/** The workspaces npm would publish (not "private"). */
export function publishable(workspaces: Workspace[]): Workspace[] {
  return workspaces.filter((w) => w.manifest.private !== true);
}
