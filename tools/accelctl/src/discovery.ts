/** Loading the topology for a command: sysfs root, device-node root, manifests, and problems as warnings. */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_LIMITS, validateManifestText, type Manifest, type ManifestValidation } from '@openaccel/capabilities';
import { FileRefusedError, readBoundedFile, type SysfsError } from '@openaccel/sysfs';
import { addManifest, buildFromSysfs, type DeviceVertex, type TopologyGraph } from '@openaccel/topology';
import { UsageError, type Output } from './command.js';

/** Device nodes live in /dev for /sys, and in the `dev` directory beside any other sysfs root (refdev's runtime layout). */
export function devRootFor(sysfsRoot: string): string {
  return sysfsRoot === '/sys' || sysfsRoot === '/sys/' ? '/dev' : join(dirname(sysfsRoot.replace(/\/+$/, '')), 'dev');
}

export interface Discovery {
  graph: TopologyGraph;
  problems: SysfsError[];
}

/** A sysfs root that is not a directory is a mistake to report, not a machine without accelerators. */
export function requireSysfsRoot(root: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(root).isDirectory();
  } catch (e) {
    throw new UsageError(`--sysfs-root ${root}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`);
  }
  if (!isDir) throw new UsageError(`--sysfs-root ${root}: not a directory`);
}

export function discover(sysfsRoot: string, manifests: readonly string[] = []): Discovery {
  requireSysfsRoot(sysfsRoot);
  const { graph, problems } = buildFromSysfs(sysfsRoot, { devRoot: devRootFor(sysfsRoot) });
  for (const file of manifests) addManifest(graph, loadManifest(file), `manifest`);
  return { graph, problems };
}

/**
 * A manifest file read bounded (a regular file, at most the size limit; a FIFO or /dev/zero is refused
 * before it can block or grow) and validated. A file over the limit is a problem of the manifest;
 * one that cannot be read is a usage error.
 */
export function readManifestFile(file: string): { bytes: Buffer | undefined; validation: ManifestValidation } {
  try {
    const bytes = readBoundedFile(file, DEFAULT_LIMITS.maxBytes);
    return { bytes, validation: validateManifestText(bytes) };
  } catch (e) {
    if (e instanceof FileRefusedError && e.reason === 'too-large') {
      return { bytes: undefined, validation: { ok: false, problems: [{ pointer: '', rule: 'limits', message: `document is larger than ${DEFAULT_LIMITS.maxBytes} bytes, the most allowed` }] } };
    }
    throw new UsageError(`cannot read ${file}: ${e instanceof FileRefusedError ? `not a regular file (${e.detail})` : ((e as NodeJS.ErrnoException).code ?? (e as Error).message)}`);
  }
}

/** Reads and validates a manifest; with `allowInvalid`, an invalid one is returned as parsed (the caller reports its problems). */
export function loadManifest(file: string, opts: { allowInvalid?: boolean } = {}): Manifest {
  const { bytes, validation: r } = readManifestFile(file);
  if (!r.ok && opts.allowInvalid && bytes) {
    try {
      return JSON.parse(bytes.toString('utf8')) as Manifest;
    } catch {
      throw new UsageError(`manifest ${file} is not JSON: ${r.problems[0]!.message}`);
    }
  }
  if (!r.ok) throw new UsageError(`manifest ${file} is not valid (run 'accelctl manifest validate ${file}'): ${r.problems[0]!.pointer || '/'}: ${r.problems[0]!.message}`);
  return r.manifest;
}

export function warnProblems(io: Output, problems: readonly SysfsError[]): void {
  for (const p of problems) io.err(`warning: ${p.message}`);
}

/** A device by graph id (`uacce:hisi_zip-0`), name (`accel0`) or node path (`/dev/openaccel/accel0`). */
export function resolveDevice(graph: TopologyGraph, spec: string): DeviceVertex {
  const all = [...graph.devices.values()];
  const hit = graph.devices.get(spec) ?? all.filter((d) => d.name === spec || d.node === spec);
  if (!Array.isArray(hit)) return hit;
  if (hit.length === 1) return hit[0]!;
  if (hit.length > 1) throw new UsageError(`'${spec}' names ${hit.length} devices: ${hit.map((d) => d.id).join(', ')}; use the full id`);
  throw new UsageError(`no device '${spec}'; devices are ${all.map((d) => d.id).join(', ') || 'none (is --sysfs-root right?)'}`);
}
