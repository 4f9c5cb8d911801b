export { renderCHeader } from './c-header.js';
export { renderJson } from './json.js';
export { renderReference } from './reference.js';
export { renderSyzkaller } from './syzkaller.js';
export type { Artifact } from './artifacts.js';
export { ARTIFACTS, abiSnapshotPath, renderAbiSnapshot } from './artifacts.js';
export type { DriftReport } from './drift.js';
export { checkDrift, writeArtifacts, repoRoot } from './drift.js';
export { renderManifestSchema, MANIFEST_SCHEMA_ID } from './manifest-schema.js';
