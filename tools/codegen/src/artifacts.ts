/** The generated files, where they live, and how to render each. Paths are relative to the repository root. */
import { abiSnapshot, uapi, type CompiledSpec } from '@openaccel/uapi';
import { renderCHeader } from './c-header.js';
import { renderJson } from './json.js';
import { renderManifestSchema } from './manifest-schema.js';
import { renderReference } from './reference.js';
import { renderSyzkaller } from './syzkaller.js';

export interface Artifact {
  readonly path: string;
  /** Renders the file from the compiled uAPI spec and, for artifacts of other spec packages, their sources under `root`. */
  readonly render: (c: CompiledSpec, root: string) => string;
}

export const ARTIFACTS: readonly Artifact[] = [
  { path: 'spec/uapi/include/linux/openaccel.h', render: renderCHeader },
  { path: 'spec/uapi/openaccel.json', render: renderJson },
  { path: 'spec/uapi/REFERENCE.md', render: renderReference },
  { path: 'spec/uapi/openaccel.syz.txt', render: renderSyzkaller },
  { path: 'spec/capabilities/schema/manifest-1.0.json', render: (_c, root) => renderManifestSchema(root) },
];

/** Path of the frozen ABI snapshot of a released version. Written once by `freeze`, never regenerated. */
export function abiSnapshotPath(version: string): string {
  return `spec/uapi/abi/${version}.json`;
}

export function renderAbiSnapshot(c: CompiledSpec = uapi.compiled): string {
  return `${JSON.stringify(abiSnapshot(c), null, 2)}\n`;
}
