import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runOk } from './run.js';
import type { Workspace } from './workspaces.js';

/** A workspace packed as npm would publish it, unpacked next to its tarball. */
export interface Packed {
  workspace: Workspace;
  tarball: string;
  /** The unpacked tarball (its "package/" folder). */
  unpacked: string;
  /** Paths inside the package, as npm lists them. */
  files: string[];
}

interface NpmPackEntry {
  name: string;
  filename: string;
  files: { path: string }[];
}

/** `npm pack` of the given workspaces (one npm run for all) into `dest`, each tarball unpacked beside it. */
export function packWorkspaces(root: string, workspaces: Workspace[], dest: string): Packed[] {
  if (workspaces.length === 0) return [];
  const args = ['pack', '--json', '--pack-destination', dest, ...workspaces.flatMap((w) => ['-w', w.dir])];
  const entries = JSON.parse(runOk('npm', args, root)) as NpmPackEntry[];
  return workspaces.map((workspace) => {
    const entry = entries.find((e) => e.name === workspace.manifest.name);
    if (!entry) throw new Error(`npm pack printed no entry for ${workspace.manifest.name}`);
    const tarball = join(dest, entry.filename);
    const into = join(dest, entry.filename.replace(/\.tgz$/, ''));
    mkdirSync(into);
    runOk('tar', ['-xzf', tarball, '-C', into], dest);
    return { workspace, tarball, unpacked: join(into, 'package'), files: entry.files.map((f) => f.path).sort() };
  });
}
