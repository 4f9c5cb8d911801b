/**
 * PCI functions that are accelerators by their class code, with or without a driver bound, and where they
 * sit: NUMA node, local CPUs, host bridge and the bridges between (pci-sysfs.c, Documentation/ABI/testing/sysfs-bus-pci).
 */
import { realpathSync } from 'node:fs';
import { relative } from 'node:path';
import { SysfsTree } from '../tree.js';
import { cpuList } from './formats.js';
import { readPciDevices, type PciDevice } from './pci.js';

/** What the class code (include/linux/pci_ids.h) says the function is. */
export type PciAcceleratorKind = 'processing-accelerator' | 'co-processor' | '3d-controller' | 'vga' | 'display';

/**
 * Vendors whose display-class functions are GPUs. A server's BMC also shows a VGA function (ASPEED 0x1a03,
 * Matrox 0x102b, Nuvoton 0x1050): that is a frame buffer for the console, not an accelerator.
 */
export const GPU_VENDORS: ReadonlyMap<number, string> = new Map([
  [0x10de, 'NVIDIA'],
  [0x1002, 'AMD'],
  [0x8086, 'Intel'],
  [0x1ed5, 'Moore Threads'],
  [0x5143, 'Qualcomm'],
]);

/**
 * The accelerator kind of a function, or undefined when it is not one. Processing accelerators (base
 * class 0x12) and co-processors (0x0b40) count whoever made them; display functions (VGA 0x0300,
 * 3D 0x0302, other 0x0380, the form AMD Instinct parts take) only from a GPU vendor.
 */
export function pciAcceleratorKind(vendorId: number, classCode: number): PciAcceleratorKind | undefined {
  if (classCode >> 16 === 0x12) return 'processing-accelerator';
  if (classCode >> 8 === 0x0b40) return 'co-processor';
  if (classCode >> 16 !== 0x03 || !GPU_VENDORS.has(vendorId)) return undefined;
  const sub = classCode >> 8;
  return sub === 0x0302 ? '3d-controller' : sub === 0x0300 ? 'vga' : sub === 0x0380 ? 'display' : undefined;
}

/** Where a PCI function sits. */
export interface PciLocality {
  /** The host bridge's bus directory, e.g. `pci0000:00` (`pci0009:00` on a Grace socket). */
  hostBridge?: string;
  /** PCI addresses of the bridges from the host bridge down to the function, nearest the root first. */
  bridges: string[];
  /** CPUs the kernel calls local to the function (`local_cpulist`); [] when absent. */
  localCpus: number[];
}

export interface PciAccelerator extends PciDevice {
  kind: PciAcceleratorKind;
  /** Name of the bound driver (the `driver` link), or undefined when no driver is bound. */
  driver?: string;
  locality: PciLocality;
}

const PCI_ADDRESS = /^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const HOST_BRIDGE = /^pci[0-9a-f]{4,}:[0-9a-f]{2}$/;

/**
 * The path of the function's real directory: bus/pci/devices/ADDR links to
 * devices/pci0000:00/0000:00:01.0/0000:01:00.0, whose components are the host bridge and the bridges.
 */
export function readPciLocality(tree: SysfsTree, address: string): PciLocality {
  const dir = `bus/pci/devices/${address}`;
  const localCpus = tree.read(`${dir}/local_cpulist`, cpuList, false) ?? [];
  let parts: string[] = [];
  try {
    parts = relative(realpathSync(tree.root), realpathSync(tree.path(dir))).split('/');
  } catch {
    return { bridges: [], localCpus };
  }
  const hostBridge = parts.find((p) => HOST_BRIDGE.test(p));
  const bridges = parts.filter((p) => PCI_ADDRESS.test(p) && p !== address);
  return { ...(hostBridge ? { hostBridge } : {}), bridges, localCpus };
}

/** Every PCI function whose class makes it an accelerator, with its driver (if any) and locality. */
export function readPciAccelerators(tree: SysfsTree): PciAccelerator[] {
  const out: PciAccelerator[] = [];
  // Address order (domain, bus, device, function): fixed-width hex compares as text; a numeric collation would put 1a before 19.
  for (const p of readPciDevices(tree).sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))) {
    const kind = pciAcceleratorKind(p.vendorId, p.classCode);
    if (!kind) continue;
    const driver = tree.linkTarget(`bus/pci/devices/${p.address}/driver`);
    out.push({ ...p, kind, ...(driver ? { driver } : {}), locality: readPciLocality(tree, p.address) });
  }
  return out;
}
