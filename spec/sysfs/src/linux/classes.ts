/** Accelerator classes Linux publishes today: accel (DRM compute), uacce, and drm render nodes. */
import { s32, u32, u64 } from '../value.js';
import { SysfsTree } from '../tree.js';
import { anyLine, lines, pciId } from './formats.js';
import { readDeviceNumaNode } from './numa.js';

/** A device of /sys/class/accel (DRM accel, major 261). */
export interface AccelClassDevice {
  name: string;
  /** Device node path by kernel convention: /dev/accel/<name>. */
  node: string;
  /** PCI address of the parent device, when the `device` link resolves to one. */
  pciAddress?: string;
  vendorId?: number;
  deviceId?: number;
  numaNode: number;
}

const PCI_ADDRESS = /^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

function parent(tree: SysfsTree, dir: string): { pciAddress?: string; vendorId?: number; deviceId?: number } {
  const target = tree.linkTarget(`${dir}/device`);
  const vendorId = tree.read(`${dir}/device/vendor`, pciId, false);
  const deviceId = tree.read(`${dir}/device/device`, pciId, false);
  return {
    ...(target && PCI_ADDRESS.test(target) ? { pciAddress: target } : {}),
    ...(vendorId !== undefined ? { vendorId } : {}),
    ...(deviceId !== undefined ? { deviceId } : {}),
  };
}

export function readAccelClass(tree: SysfsTree): AccelClassDevice[] {
  return tree.list('class/accel', /^accel\d+$/).map((name) => {
    const dir = `class/accel/${name}`;
    return { name, node: `/dev/accel/${name}`, ...parent(tree, dir), numaNode: readDeviceNumaNode(tree, `${dir}/device`) };
  });
}

/** A device of /sys/class/drm that is a render node (compute-capable GPUs expose renderD*). */
export function readDrmRenderNodes(tree: SysfsTree): AccelClassDevice[] {
  return tree.list('class/drm', /^renderD\d+$/).map((name) => {
    const dir = `class/drm/${name}`;
    return { name, node: `/dev/dri/${name}`, ...parent(tree, dir), numaNode: readDeviceNumaNode(tree, `${dir}/device`) };
  });
}

/** A device of /sys/class/uacce (Documentation/ABI/testing/sysfs-driver-uacce). */
export interface UacceDevice {
  name: string;
  node: string;
  api: string;
  /** UACCE_DEV_* bits; bit 0 = SVA. */
  flags: number;
  /** Free queues; undefined when the driver cannot tell (the read fails). */
  availableInstances?: number;
  algorithms: string[];
  /** Absent (undefined) when zero: the kernel hides the attribute. */
  regionMmioSizeBytes?: bigint;
  regionDusSizeBytes?: bigint;
  /** 1 = isolated (unusable); undefined when the driver has no isolate support (kernel < 6.1 or no op). */
  isolate?: number;
  numaNode: number;
  pciAddress?: string;
}

export function readUacceClass(tree: SysfsTree): UacceDevice[] {
  const out: UacceDevice[] = [];
  for (const name of tree.list('class/uacce')) {
    const dir = `class/uacce/${name}`;
    const api = tree.read(`${dir}/api`, anyLine, true);
    const flags = tree.read(`${dir}/flags`, u32, true);
    if (api === undefined || flags === undefined) continue;
    const available = tree.read(`${dir}/available_instances`, s32, false);
    const mmio = tree.read(`${dir}/region_mmio_size`, u64, false);
    const dus = tree.read(`${dir}/region_dus_size`, u64, false);
    const isolate = tree.read(`${dir}/isolate`, s32, false);
    const { pciAddress } = parent(tree, dir);
    out.push({
      name,
      node: `/dev/${name}`,
      api,
      flags,
      ...(available !== undefined && available >= 0 ? { availableInstances: available } : {}),
      algorithms: tree.read(`${dir}/algorithms`, lines, false) ?? [],
      ...(mmio !== undefined ? { regionMmioSizeBytes: mmio } : {}),
      ...(dus !== undefined ? { regionDusSizeBytes: dus } : {}),
      ...(isolate !== undefined ? { isolate } : {}),
      numaNode: readDeviceNumaNode(tree, `${dir}/device`),
      ...(pciAddress ? { pciAddress } : {}),
    });
  }
  return out;
}
