/** PCI devices under bus/pci/devices: identity, class and NUMA node. */
import { SysfsTree } from '../tree.js';
import { pciId } from './formats.js';
import { readDeviceNumaNode } from './numa.js';

export interface PciDevice {
  /** Domain:bus:device.function, e.g. `0000:3b:00.0`. */
  address: string;
  vendorId: number;
  deviceId: number;
  /** 24-bit class code, e.g. 0x120000 (processing accelerator). */
  classCode: number;
  numaNode: number;
}

/**
 * PCI base classes an accelerator may use: display (0x03) and processing accelerator (0x12), co-processor (0x0b40).
 * @deprecated Counts every display function, a BMC's VGA too; use pciAcceleratorKind (pci-accelerators.ts), which weighs the vendor.
 */
export function isAcceleratorClass(classCode: number): boolean {
  const base = classCode >> 16;
  return base === 0x12 || base === 0x03 || classCode >> 8 === 0x0b40;
}

export function readPciDevices(tree: SysfsTree): PciDevice[] {
  const base = 'bus/pci/devices';
  const out: PciDevice[] = [];
  for (const address of tree.list(base, /^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/)) {
    const dir = `${base}/${address}`;
    const vendorId = tree.read(`${dir}/vendor`, pciId, true);
    const deviceId = tree.read(`${dir}/device`, pciId, true);
    const classCode = tree.read(`${dir}/class`, pciId, true);
    if (vendorId === undefined || deviceId === undefined || classCode === undefined) continue;
    out.push({ address, vendorId, deviceId, classCode, numaNode: readDeviceNumaNode(tree, dir) });
  }
  return out;
}
