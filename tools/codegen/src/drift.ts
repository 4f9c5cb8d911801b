import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompiledSpec } from '@openaccel/uapi';
import { ARTIFACTS, specFor } from './artifacts.js';

/** The repository root, found from this module's location (tools/codegen/dist or src). */
export function repoRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

export interface DriftReport {
  /** Artifacts whose committed file differs from what the spec renders (or is missing). */
  readonly drifted: readonly string[];
  readonly checked: readonly string[];
}

/** `c` replaces the built spec of its own version, so a test can render a changed spec. */
export function checkDrift(root: string = repoRoot(), c?: CompiledSpec): DriftReport {
  const drifted: string[] = [];
  for (const a of ARTIFACTS) {
    const file = join(root, a.path);
    const onDisk = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (onDisk !== a.render(specFor(a, c), repoRoot())) drifted.push(a.path);
  }
  return { drifted, checked: ARTIFACTS.map((a) => a.path) };
}

/** Writes every artifact under `root` (sources are always read from the repository); returns the paths that changed. */
export function writeArtifacts(root: string = repoRoot(), c?: CompiledSpec): string[] {
  const changed: string[] = [];
  for (const a of ARTIFACTS) {
    const file = join(root, a.path);
    const text = a.render(specFor(a, c), repoRoot());
    if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    changed.push(a.path);
  }
  return changed;
}
