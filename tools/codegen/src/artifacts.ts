/** The generated files, where they live, and how to render each. Paths are relative to the repository root. */
import { abiSnapshot, uapi, UAPI_VERSIONS, type CompiledSpec } from '@openaccel/uapi';
import { renderCHeader } from './c-header.js';
import { renderDrmHeader, renderDrmLayoutTest } from './drm-header.js';
import { DRM_ARTIFACT_DIR, renderDrmReference } from './drm-reference.js';
import { renderDrmSyzkaller } from './drm-syzkaller.js';
import { renderJson } from './json.js';
import { renderManifestSchema } from './manifest-schema.js';
import { renderReference } from './reference.js';
import { renderSysfsAbi } from './sysfs-abi.js';
import { renderSyzkaller } from './syzkaller.js';

export interface Artifact {
  readonly path: string;
  /** The spec version the file is rendered from. */
  readonly version: string;
  /** Renders the file from the compiled uAPI spec and, for artifacts of other spec packages, their sources under `root`. */
  readonly render: (c: CompiledSpec, root: string) => string;
}

export const ARTIFACTS: readonly Artifact[] = [
  { path: 'spec/uapi/include/linux/openaccel.h', version: '1.0', render: renderCHeader },
  { path: 'spec/uapi/openaccel.json', version: '1.0', render: renderJson },
  { path: 'spec/uapi/REFERENCE.md', version: '1.0', render: renderReference },
  { path: 'spec/uapi/openaccel.syz.txt', version: '1.0', render: renderSyzkaller },
  { path: 'spec/capabilities/schema/manifest-1.0.json', version: '1.0', render: (_c, root) => renderManifestSchema(root) },
  { path: 'spec/uapi/include/drm/openaccel_accel.h', version: '2.0', render: renderDrmHeader },
  { path: `${DRM_ARTIFACT_DIR}/openaccel_accel_layout.h`, version: '2.0', render: renderDrmLayoutTest },
  { path: `${DRM_ARTIFACT_DIR}/REFERENCE.md`, version: '2.0', render: renderDrmReference },
  { path: `${DRM_ARTIFACT_DIR}/openaccel.json`, version: '2.0', render: renderJson },
  { path: `${DRM_ARTIFACT_DIR}/openaccel_accel.syz.txt`, version: '2.0', render: renderDrmSyzkaller },
  { path: `${DRM_ARTIFACT_DIR}/ABI/sysfs-class-accel-openaccel`, version: '2.0', render: renderSysfsAbi },
];

/**
 * The compiled spec an artifact renders from: `override` when it is of the artifact's version (a test
 * checking drift of a changed spec), otherwise the spec of that version as built.
 */
export function specFor(a: Artifact, override?: CompiledSpec): CompiledSpec {
  if (override && override.spec.version === a.version) return override;
  const s = UAPI_VERSIONS[a.version];
  if (!s) throw new Error(`artifact ${a.path}: no spec version ${a.version}`);
  return s.compiled;
}

/** Path of the frozen ABI snapshot of a released version. Written once by `freeze`, never regenerated. */
export function abiSnapshotPath(version: string): string {
  return `spec/uapi/abi/${version}.json`;
}

export function renderAbiSnapshot(c: CompiledSpec = uapi.compiled): string {
  return `${JSON.stringify(abiSnapshot(c), null, 2)}\n`;
}
