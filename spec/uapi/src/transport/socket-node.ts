/**
 * The socket device node: how a software device (refdev) serves this uAPI over an AF_UNIX SEQPACKET
 * socket instead of a character device. Each request is one datagram carrying the exact ioctl bytes;
 * each reply carries the errno and the bytes a kernel would copy out. fds travel as SCM_RIGHTS:
 *
 * - request fds: for each input field of unit `fd` whose value is >= 0, in field order, the client
 *   attaches that fd; the server reads the fds, not the numbers (which mean nothing in its process).
 * - reply fds: for each output field of unit `fd` of a successful reply, in field order, the server
 *   attaches the fd; the client writes the fd numbers it received into those fields.
 * - mmap: a MMAP request names (offset, length, prot, flags) of a region; the reply attaches the memfd
 *   backing it and gives the offset inside that memfd, which the client maps with the same prot.
 * - fdinfo: a FDINFO request (empty argument) stands in for reading /proc/<pid>/fdinfo/<fd> of a DRM
 *   file: the reply's data is the `key: value` lines the kernel would print (drm-usage-stats).
 * - user pointers (2.0): an address inside an argument (a bitmap, an array of handles or points, a name
 *   buffer) is an address in the sender's memory, as for a kernel driver; the server reads and writes it
 *   through the sender's memory (copy_from_user/copy_to_user), and EFAULT means it is not mapped there.
 *
 * The sender's pid comes from SCM_CREDENTIALS (SO_PASSCRED) and, on Linux 6.5+, a pidfd of the sender
 * from SCM_PIDFD (SO_PASSPIDFD): a server names the binding process by that pidfd, never by the pid
 * number, so a context used from another process, or after its binder died and the number was reused,
 * is refused (EPERM) exactly as a kernel driver refuses it.
 */
import type { StructLayout } from '../dsl/layout.js';

export const SOCKET_NODE_MAGIC = 0x4f41494f; // 'OAIO'
export const SOCKET_NODE_VERSION = 1;
export const REQUEST_HEADER_SIZE = 16;
export const REPLY_HEADER_SIZE = 16;
export const MMAP_ARG_SIZE = 24;

export enum SocketNodeKind {
  Ioctl = 1,
  Mmap = 2,
  /** The fdinfo text of the file (2.0 nodes). */
  Fdinfo = 3,
}

export interface SocketNodeRequest {
  kind: SocketNodeKind;
  /** The ioctl request number (Ioctl), 0 for Mmap. */
  request: number;
  /** The ioctl argument bytes, or the MMAP argument. */
  arg: Uint8Array;
}

export interface MmapArg {
  offset: bigint;
  length: bigint;
  prot: number;
  flags: number;
}

export function encodeRequest(r: SocketNodeRequest): Uint8Array {
  const out = new Uint8Array(REQUEST_HEADER_SIZE + r.arg.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, SOCKET_NODE_MAGIC, true);
  v.setUint16(4, SOCKET_NODE_VERSION, true);
  v.setUint16(6, r.kind, true);
  v.setUint32(8, r.request >>> 0, true);
  v.setUint32(12, r.arg.length, true);
  out.set(r.arg, REQUEST_HEADER_SIZE);
  return out;
}

/** Parses a request datagram; undefined when it is not a well-formed request of this version. */
export function decodeRequest(bytes: Uint8Array): SocketNodeRequest | undefined {
  if (bytes.length < REQUEST_HEADER_SIZE) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== SOCKET_NODE_MAGIC || v.getUint16(4, true) !== SOCKET_NODE_VERSION) return undefined;
  const kind = v.getUint16(6, true);
  const len = v.getUint32(12, true);
  if ((kind !== SocketNodeKind.Ioctl && kind !== SocketNodeKind.Mmap && kind !== SocketNodeKind.Fdinfo) || len !== bytes.length - REQUEST_HEADER_SIZE) return undefined;
  return { kind, request: v.getUint32(8, true), arg: bytes.slice(REQUEST_HEADER_SIZE) };
}

export function encodeMmapArg(a: MmapArg): Uint8Array {
  const out = new Uint8Array(MMAP_ARG_SIZE);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, a.offset, true);
  v.setBigUint64(8, a.length, true);
  v.setUint32(16, a.prot, true);
  v.setUint32(20, a.flags, true);
  return out;
}

export function decodeMmapArg(bytes: Uint8Array): MmapArg | undefined {
  if (bytes.length !== MMAP_ARG_SIZE) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { offset: v.getBigUint64(0, true), length: v.getBigUint64(8, true), prot: v.getUint32(16, true), flags: v.getUint32(20, true) };
}

export interface SocketNodeReply {
  /** 0 on success, else the generic Linux errno number. */
  errno: number;
  /** Bytes copied out (ioctl), or the u64 offset inside the attached memfd (mmap). */
  data: Uint8Array;
}

export function encodeReply(r: SocketNodeReply): Uint8Array {
  const out = new Uint8Array(REPLY_HEADER_SIZE + r.data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, SOCKET_NODE_MAGIC, true);
  v.setInt32(4, r.errno, true);
  v.setUint32(8, r.data.length, true);
  out.set(r.data, REPLY_HEADER_SIZE);
  return out;
}

export function decodeReply(bytes: Uint8Array): SocketNodeReply | undefined {
  if (bytes.length < REPLY_HEADER_SIZE) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== SOCKET_NODE_MAGIC || v.getUint32(8, true) !== bytes.length - REPLY_HEADER_SIZE) return undefined;
  return { errno: v.getInt32(4, true), data: bytes.slice(REPLY_HEADER_SIZE) };
}

/** The fd fields of a struct in one direction, in field order: which fds travel with the message. */
export function fdFields(layout: StructLayout, dir: 'in' | 'out'): { name: string; offset: number }[] {
  return layout.fields
    .filter((f) => f.field.unit === 'fd' && (f.field.dir === dir || f.field.dir === 'inout'))
    .map((f) => ({ name: f.field.name, offset: f.offset }));
}
