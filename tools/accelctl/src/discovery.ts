/** Loading the topology for a command: sysfs root, device-node root, manifests, and problems as warnings. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { validateManifestText, type Manifest } from '@openaccel/capabilities';
import type { SysfsError } from '@openaccel/sysfs';
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

export function discover(sysfsRoot: string, manifests: readonly string[] = []): Discovery {
  const { graph, problems } = buildFromSysfs(sysfsRoot, { devRoot: devRootFor(sysfsRoot) });
  for (const file of manifests) addManifest(graph, loadManifest(file), `manifest`);
  return { graph, problems };
}

/** Reads and validates a manifest; with `allowInvalid`, an invalid one is returned as parsed (the caller reports its problems). */
export function loadManifest(file: string, opts: { allowInvalid?: boolean } = {}): Manifest {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read manifest ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const r = validateManifestText(bytes);
  if (!r.ok && opts.allowInvalid) {
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
