/**
 * OpenAccel 2.0 devices (the accel layout) in the graph, and how they meet 1.0 devices of the openaccel
 * class: a device published in both layouts (as refdev does) is one vertex, not two.
 */
import type { AccelOpenAccelDevice, OpenAccelDevice } from '@openaccel/sysfs';
import type { BuildOptions } from './build.js';
import type { DeviceVertex, TopologyGraph } from './graph.js';
import { addMemoriesAndLinks } from './openaccel-edges.js';

/** What one OpenAccel device publishes in both layouts: its 1.0 reading and where its 1.0 node is. */
export interface OpenAccelTwin {
  v1: OpenAccelDevice;
  node: string;
}

/**
 * A 1.0 device and a 2.0 device are one device when they have the same name and model and the same parent
 * device (both none, as refdev's, or the same PCI function). Names alone are not enough: the openaccel
 * class and the accel class number their devices independently.
 */
export function sameDevice(v1: OpenAccelDevice, v1Parent: string | undefined, v2: AccelOpenAccelDevice): boolean {
  return v1.name === v2.name && v1.model === v2.model && v1Parent === v2.parent;
}

export interface AccelBuildOptions extends BuildOptions {
  /** The 1.0 reading of each device (by name) that is also published in the 1.0 class. */
  twins?: ReadonlyMap<string, OpenAccelTwin>;
}

/** What both versions of an OpenAccel device say about it in the same words. */
export function openAccelVertex(id: string, d: Pick<AccelOpenAccelDevice, 'name' | 'model' | 'functions' | 'numaNode' | 'caps' | 'freeQueues'>): Omit<DeviceVertex, 'kind'> {
  return { id, name: d.name, source: 'openaccel', model: d.model, functions: d.functions, numa: d.numaNode, features: d.caps, freeQueues: d.freeQueues };
}

/**
 * Adds 2.0 devices as `openaccel:<name>` with their `/dev/accel` node, memories (one vertex per memory,
 * members from the shared_with symlinks) and links. A device in `twins` keeps its 1.0 node as `node`, so
 * 1.0 clients go on finding it there, and lists both in `uapi`; its PASID width comes from 1.0 (2.0 keeps
 * the PASID in the kernel).
 */
export function addAccelOpenAccelDevices(g: TopologyGraph, devices: readonly AccelOpenAccelDevice[], opts: AccelBuildOptions = {}): void {
  const devRoot = opts.devRoot ?? '/dev';
  const twins = opts.twins ?? new Map<string, OpenAccelTwin>();
  for (const d of devices) {
    const node2 = `${devRoot}/accel/${d.name}`;
    const twin = twins.get(d.name);
    g.addDevice({
      ...openAccelVertex(`openaccel:${d.name}`, d),
      ...(twin ? { pasidBits: twin.v1.pasidBits } : {}),
      node: twin ? twin.node : node2,
      uapi: [{ version: `${d.apiVersion.major}.${d.apiVersion.minor}`, node: node2 }, ...(twin ? [{ version: `${twin.v1.apiVersion.major}.${twin.v1.apiVersion.minor}`, node: twin.node }] : [])],
    });
  }
  for (const d of devices) addMemoriesAndLinks(g, d, (name) => `openaccel:${name}`);
}
