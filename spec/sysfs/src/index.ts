export { SysfsError } from './errors.js';
export type { SysfsProblemKind } from './errors.js';
export type { ValueFormat } from './value.js';
export { u32, s32, u64, hex32, bool, version, text, oneOf, wordList } from './value.js';
export type { SysfsAttribute, OpenAccelDevice, OpenAccelMemory, OpenAccelLink, MemoryKind, LinkKind } from './openaccel-class.js';
export {
  CLASS_DIR,
  DEVICE_ATTRIBUTES,
  MEMORY_ATTRIBUTES,
  LINK_ATTRIBUTES,
  CAP_WORDS,
  FUNCTION_WORDS,
  MEMORY_KINDS,
  LINK_KINDS,
  formatDevice,
} from './openaccel-class.js';
export { SysfsTree, MAX_ATTRIBUTE_BYTES, FileRefusedError, readBoundedFile } from './tree.js';
export type { OpenAccelClassReading } from './openaccel-fs.js';
export { readOpenAccelClass, readOpenAccelDevice, writeOpenAccelDevice, writeOpenAccelAttribute, removeOpenAccelDevice } from './openaccel-fs.js';
export type { NumaNode } from './linux/numa.js';
export { readNumaNodes, readDeviceNumaNode } from './linux/numa.js';
export type { PciDevice } from './linux/pci.js';
export { readPciDevices, isAcceleratorClass } from './linux/pci.js';
export type { PciAccelerator, PciAcceleratorKind, PciLocality } from './linux/pci-accelerators.js';
export { readPciAccelerators, readPciLocality, pciAcceleratorKind, GPU_VENDORS } from './linux/pci-accelerators.js';
export type { NodeMemory, NodeAccess, DaxSource, MemoryTechnology } from './linux/node-memory.js';
export { readNodeMemory, readMemoryTiers, readDaxNodes, memoryTechnology } from './linux/node-memory.js';
export type { DeviceTreeGpuMemory } from './linux/devicetree.js';
export { readDeviceTreeGpuMemory } from './linux/devicetree.js';
export type { AccelClassDevice, UacceDevice } from './linux/classes.js';
export { readAccelClass, readDrmRenderNodes, readUacceClass } from './linux/classes.js';
export type { KfdTopology, KfdNode, KfdMemBank, KfdIoLink } from './linux/kfd.js';
export { readKfdTopology, KFD_TOPOLOGY } from './linux/kfd.js';
export { cpuList, distanceList, nodeMemTotal, pciId, keyValues } from './linux/formats.js';
export type { SysfsSymlink, AccelSysfsDir } from './accel-openaccel.js';
export {
  ACCEL_CLASS_DIR,
  ACCEL_OPENACCEL_DIR,
  ACCEL_CAP_WORDS,
  ACCEL_FUNCTION_WORDS,
  ACCEL_DEVICE_ATTRIBUTES,
  ACCEL_MEMORY_ATTRIBUTES,
  ACCEL_MEMORY_LINKS,
  ACCEL_LINK_ATTRIBUTES,
  ACCEL_LINK_LINKS,
  ACCEL_OPENACCEL_LAYOUT,
} from './accel-openaccel.js';
export type { AccelOpenAccelDevice, AccelOpenAccelMemory, AccelOpenAccelLink } from './accel-openaccel-fs.js';
export { readAccelOpenAccelDevice, readAccelOpenAccelDevices } from './accel-openaccel-fs.js';
