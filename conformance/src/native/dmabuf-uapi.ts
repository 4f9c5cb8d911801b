/**
 * The dma-buf, dma-heap, udmabuf and dumb-buffer uAPI (include/uapi/linux/dma-buf.h, dma-heap.h,
 * udmabuf.h, drm/drm_mode.h): request numbers from the header definitions, and argument builders.
 */
import { ioc } from '@openaccel/uapi';

const b = 0x62; // DMA_BUF_BASE 'b'

export const DMA_BUF = {
  /** _IOW(DMA_BUF_BASE, 0, struct dma_buf_sync { __u64 flags; }) */
  IOCTL_SYNC: ioc('generic', 'write', b, 0, 8),
  /** _IOW(DMA_BUF_BASE, 1, __u64): DMA_BUF_SET_NAME_B, the same number as DMA_BUF_SET_NAME on 64-bit. */
  SET_NAME_B: ioc('generic', 'write', b, 1, 8),
  /** _IOWR(DMA_BUF_BASE, 2, struct dma_buf_export_sync_file { __u32 flags; __s32 fd; }) */
  EXPORT_SYNC_FILE: ioc('generic', 'readwrite', b, 2, 8),
  /** _IOW(DMA_BUF_BASE, 3, struct dma_buf_import_sync_file { __u32 flags; __s32 fd; }) */
  IMPORT_SYNC_FILE: ioc('generic', 'write', b, 3, 8),
  SYNC_READ: 1,
  SYNC_WRITE: 2,
  SYNC_RW: 3,
  SYNC_START: 0,
  SYNC_END: 4,
  /** DMA_BUF_NAME_LEN: the longest name with its NUL. */
  NAME_LEN: 32,
} as const;

/** _IOWR('H', 0, struct dma_heap_allocation_data { __u64 len; __u32 fd; __u32 fd_flags; __u64 heap_flags; }) */
export const DMA_HEAP_IOCTL_ALLOC = ioc('generic', 'readwrite', 0x48, 0, 24);
/** _IOW('u', 0x42, struct udmabuf_create { __u32 memfd; __u32 flags; __u64 offset; __u64 size; }) */
export const UDMABUF_CREATE = ioc('generic', 'write', 0x75, 0x42, 24);
export const UDMABUF_FLAGS_CLOEXEC = 1;
/** DRM_IOWR(0xB2, struct drm_mode_create_dumb): height, width, bpp, flags, handle, pitch (u32), size (u64). */
export const DRM_IOCTL_MODE_CREATE_DUMB = ioc('generic', 'readwrite', 0x64, 0xb2, 32);

export function u64Arg(v: number | bigint): Uint8Array {
  const a = new Uint8Array(8);
  new DataView(a.buffer).setBigUint64(0, BigInt(v), true);
  return a;
}

/** struct dma_buf_export_sync_file / dma_buf_import_sync_file. */
export function syncFileArg(flags: number, fd: number): Uint8Array {
  const a = new Uint8Array(8);
  const v = new DataView(a.buffer);
  v.setUint32(0, flags >>> 0, true);
  v.setInt32(4, fd, true);
  return a;
}

export function syncFileFd(arg: Uint8Array): number {
  return new DataView(arg.buffer, arg.byteOffset).getInt32(4, true);
}
