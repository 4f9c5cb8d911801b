/**
 * A 2.0 client that speaks the socket-node protocol by hand with the exact DRM ioctl bytes: driver-private
 * ioctls through uapi2's codecs, DRM core ioctls through drmCoreIoctl. Pointers inside an argument are
 * addresses of this process's buffers (Buffer + addressOf), as they would be for a kernel driver.
 */
import { C, closeFd, Mapping, UnixSocket, addressOf } from '@openaccel/sys';
import { decodeReply, drmCoreIoctl, encodeMmapArg, encodeRequest, errnoName, SocketNodeKind, uapi2, type IoctlNameIn, type openaccelV2 } from '@openaccel/uapi';

type Name = IoctlNameIn<typeof openaccelV2>;

export interface Reply2 {
  errno: string | 0;
  value: Record<string, any>;
  fds: number[];
}

export class RawClient2 {
  readonly socket: UnixSocket;

  constructor(readonly path: string) {
    this.socket = UnixSocket.connect(path);
  }

  /** Sends raw request bytes and reads the reply. */
  raw(request: number, arg: Uint8Array, fds: number[] = [], kind = SocketNodeKind.Ioctl): { errno: string | 0; data: Uint8Array; fds: number[] } {
    const sent = this.socket.send(encodeRequest({ kind, request, arg }), fds);
    if (typeof sent === 'string') throw new Error(`send: ${sent}`);
    const r = this.socket.recv();
    if (typeof r === 'string' || r.length === 0) throw new Error(`no reply: ${typeof r === 'string' ? r : 'connection closed'}`);
    const rep = decodeReply(r.payload);
    if (!rep) throw new Error('malformed reply');
    return { errno: rep.errno === 0 ? 0 : (errnoName(rep.errno) ?? `E${rep.errno}`), data: rep.data, fds: r.fds };
  }

  /** A driver-private ioctl (DRM_IOCTL_OA_*). */
  ioctl(name: Name, fields: Record<string, unknown> = {}, fds: number[] = []): Reply2 {
    const io = uapi2.ioctl(name);
    const r = this.raw(io.request(), io.encode(fields as never), fds);
    return { errno: r.errno, value: r.errno === 0 && r.data.length ? (io.decode(r.data) as Record<string, any>) : {}, fds: r.fds };
  }

  /** A DRM core ioctl (DRM_IOCTL_VERSION, ...), LP64 layout. */
  core(name: string, fields: Record<string, number | bigint> = {}, fds: number[] = []): Reply2 {
    const io = drmCoreIoctl(name);
    const r = this.raw(io.request, io.encode(fields), fds);
    return { errno: r.errno, value: r.errno === 0 && r.data.length ? io.decode(r.data) : {}, fds: r.fds };
  }

  /** MMAP request; returns the mapping or the errno. */
  mmap(offset: bigint, length: number, prot: number = C.PROT_READ | C.PROT_WRITE, flags: number = C.MAP_SHARED): Mapping | string {
    const r = this.raw(0, encodeMmapArg({ offset, length: BigInt(length), prot, flags }), [], SocketNodeKind.Mmap);
    try {
      if (r.errno !== 0) return r.errno;
      return Mapping.map(r.fds[0]!, length, { prot, offset: new DataView(r.data.buffer, r.data.byteOffset).getBigUint64(0, true) });
    } finally {
      for (const fd of r.fds) closeFd(fd);
    }
  }

  fdinfo(): string {
    const r = this.raw(0, new Uint8Array(0), [], SocketNodeKind.Fdinfo);
    if (r.errno !== 0) throw new Error(`fdinfo: ${r.errno}`);
    return new TextDecoder().decode(r.data);
  }

  close(): void {
    this.socket.close();
  }
}

/** A buffer of this process whose address goes into an argument; kept referenced by the caller during the call. */
export function userBuffer(bytes: number): { buf: Buffer; ptr: bigint } {
  const buf = Buffer.alloc(bytes);
  return { buf, ptr: addressOf(buf) };
}

/** u32 handles as a user array. */
export function u32Array(values: number[]): { buf: Buffer; ptr: bigint } {
  const b = userBuffer(values.length * 4);
  values.forEach((v, i) => b.buf.writeUInt32LE(v, i * 4));
  return b;
}

/** u64 points as a user array. */
export function u64Array(values: bigint[]): { buf: Buffer; ptr: bigint } {
  const b = userBuffer(values.length * 8);
  values.forEach((v, i) => b.buf.writeBigUInt64LE(v, i * 8));
  return b;
}

/** struct oa_syncobj_point entries as a user array. */
export function pointArray(points: { handle: number; point?: bigint; flags?: number }[]): { buf: Buffer; ptr: bigint } {
  const b = userBuffer(Math.max(points.length, 1) * 16);
  points.forEach((p, i) => {
    b.buf.writeUInt32LE(p.handle, i * 16);
    b.buf.writeUInt32LE(p.flags ?? 0, i * 16 + 4);
    b.buf.writeBigUInt64LE(p.point ?? 0n, i * 16 + 8);
  });
  return b;
}
