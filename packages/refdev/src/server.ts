/**
 * The refdev process's control side: publishes sysfs and device nodes under a runtime directory and
 * serves every connection (a context) on the main thread with one parked epoll wait (fd-passing.md §2.4).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { C, closeFd, createEventfd, Epoll, readEventfd, signalEventfd, UnixSocket, type Received } from '@openaccel/sys';
import { removeOpenAccelDevice, writeOpenAccelDevice } from '@openaccel/sysfs';
import { decodeMmapArg, decodeRequest, encodeReply, ERRNO, SocketNodeKind, type ErrnoName } from '@openaccel/uapi';
import type { RefdevConfig } from './config.js';
import { Context, type Reply } from './context.js';
import { MemoryPool, RefDevice, sysfsDevice } from './device.js';
import { createDmabuf } from './dmabuf.js';
import { refdevManifest } from './manifest.js';

const TAG_WAKE = 1;
const TAG_HEAP = 2;
const TAG_DEVICE = 0x100; // + device index
const TAG_CONN = 0x10000; // + connection number

const DMA_HEAP_IOCTL_ALLOC = 0xc0184800;

interface Connection {
  socket: UnixSocket;
  device?: RefDevice;
  context?: Context;
  /** Requests of one connection are served in order. */
  chain: Promise<void>;
}

export interface RefdevLayout {
  runtimeDir: string;
  sysfsRoot: string;
  devRoot: string;
}

export function layoutOf(runtimeDir: string): RefdevLayout {
  return { runtimeDir, sysfsRoot: join(runtimeDir, 'sys'), devRoot: join(runtimeDir, 'dev') };
}

export class Refdev {
  readonly layout: RefdevLayout;
  readonly devices = new Map<string, RefDevice>();
  private readonly epoll = new Epoll();
  private readonly wakeFd = createEventfd(0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
  private readonly listeners: { socket: UnixSocket; device?: RefDevice; path: string }[] = [];
  private readonly conns = new Map<number, Connection>();
  private nextConn = 0;
  private stopping = false;
  private stopped: (() => void) | undefined;

  constructor(
    runtimeDir: string,
    readonly config: RefdevConfig,
  ) {
    this.layout = layoutOf(runtimeDir);
  }

  /** Publishes sysfs, manifests and device nodes, starts the engines and the reactor. */
  start(): void {
    const { sysfsRoot, devRoot, runtimeDir } = this.layout;
    mkdirSync(join(devRoot, 'openaccel'), { recursive: true });
    mkdirSync(join(devRoot, 'dma_heap'), { recursive: true });
    mkdirSync(join(runtimeDir, 'manifests'), { recursive: true });
    const pools = new Map(this.config.memories.map((m) => [m.id, new MemoryPool(m)]));
    const manifest = `${JSON.stringify(refdevManifest(this.config), null, 2)}\n`;
    const faults = new Set(this.config.faults);
    this.config.devices.forEach((d, i) => {
      if (faults.has('manifest-absent-function')) d.functions = d.functions.filter((f) => f !== 'sha256');
      writeOpenAccelDevice(sysfsRoot, sysfsDevice(d, this.config));
      if (faults.has('sysfs-bad-format')) writeFileSync(join(sysfsRoot, 'class/openaccel', d.name, 'numa_node'), `node${d.numaNode}\n`);
      writeFileSync(join(runtimeDir, 'manifests', `${d.name}.json`), manifest);
      const device = new RefDevice(d, pools, this.config, sysfsRoot);
      this.devices.set(d.name, device);
      this.listen(join(devRoot, 'openaccel', d.name), TAG_DEVICE + i, device);
    });
    this.listen(join(devRoot, 'dma_heap', 'system'), TAG_HEAP);
    this.epoll.add(this.wakeFd, C.EPOLLIN, TAG_WAKE);
    this.arm();
  }

  private listen(path: string, tag: number, device?: RefDevice): void {
    rmSync(path, { force: true });
    const socket = UnixSocket.seqpacket(true);
    // Set on the listener so accepted sockets have it from the first datagram (unix_sock_inherit_flags).
    socket.setOption(C.SO_PASSCRED, 1);
    socket.listen(path);
    this.listeners.push({ socket, path, ...(device ? { device } : {}) });
    this.epoll.add(socket.fd, C.EPOLLIN, tag);
  }

  private arm(): void {
    this.epoll.waitAsync((err, events) => {
      if (err) throw err;
      for (const e of events) this.onEvent(e.tag, e.events);
      if (this.stopping) this.finish();
      else this.arm();
    });
  }

  private onEvent(tag: number, events: number): void {
    if (tag === TAG_WAKE) {
      readEventfd(this.wakeFd);
      return;
    }
    if (tag === TAG_HEAP || (tag >= TAG_DEVICE && tag < TAG_CONN)) {
      const l = tag === TAG_HEAP ? this.listeners[this.listeners.length - 1]! : this.listeners[tag - TAG_DEVICE]!;
      for (let s; (s = l.socket.accept()); ) {
        s.setOption(C.SO_PASSCRED, 1);
        const id = this.nextConn++;
        const conn: Connection = { socket: s, chain: Promise.resolve(), ...(l.device ? { device: l.device, context: new Context(l.device) } : {}) };
        this.conns.set(id, conn);
        this.epoll.add(s.fd, C.EPOLLIN | C.EPOLLRDHUP, TAG_CONN + id);
      }
      return;
    }
    const id = tag - TAG_CONN;
    const conn = this.conns.get(id);
    if (!conn) return;
    for (;;) {
      const r = conn.socket.recv(C.MSG_CMSG_CLOEXEC | C.MSG_DONTWAIT);
      if (r === 'EAGAIN') break;
      if (typeof r === 'string' || r.length === 0 || r.truncated) {
        if (typeof r !== 'string') for (const fd of r.fds) closeFd(fd);
        this.drop(id, conn);
        return;
      }
      const msg = { ...r, payload: r.payload.slice() };
      conn.chain = conn.chain.then(() => this.serve(conn, msg)).catch(() => this.drop(id, conn));
    }
    if (events & (C.EPOLLHUP | C.EPOLLRDHUP | C.EPOLLERR)) this.drop(id, conn);
  }

  private async serve(conn: Connection, msg: Received): Promise<void> {
    const req = decodeRequest(msg.payload);
    // pid 0: a datagram queued before credentials were on; the connecting process is then the sender.
    const pid = msg.pid || conn.socket.peerCred().pid;
    let reply: Reply;
    if (!req) reply = { errno: 'EINVAL' };
    else if (!conn.context) reply = this.serveHeap(req.request, req.arg, msg.fds);
    else if (req.kind === SocketNodeKind.Mmap) {
      const a = decodeMmapArg(req.arg);
      reply = a ? conn.context.mmap(a, pid) : { errno: 'EINVAL' };
      for (const fd of msg.fds) closeFd(fd);
    } else reply = await conn.context.ioctl(req.request, req.arg, msg.fds, pid);
    const errno = reply.errno === 0 ? 0 : ERRNO[reply.errno as ErrnoName];
    conn.socket.send(encodeReply({ errno, data: reply.data ?? new Uint8Array(0) }), reply.errno === 0 ? (reply.fds ?? []) : []);
    for (const fd of reply.closeAfterSend ?? []) closeFd(fd);
  }

  /** The dma-heap node: DMA_HEAP_IOCTL_ALLOC as include/uapi/linux/dma-heap.h defines it, returning a refdev dma-buf. */
  private serveHeap(request: number, arg: Uint8Array, fds: number[]): Reply {
    for (const fd of fds) closeFd(fd);
    if (request !== DMA_HEAP_IOCTL_ALLOC) return { errno: 'ENOTTY' };
    if (arg.length !== 24) return { errno: 'EFAULT' };
    const v = new DataView(arg.buffer, arg.byteOffset, 24);
    const len = v.getBigUint64(0, true);
    const fdFlags = v.getUint32(12, true);
    if (len === 0n || len > 1n << 34n || v.getBigUint64(16, true) !== 0n || fdFlags & ~(C.O_CLOEXEC | 3)) return { errno: 'EINVAL' };
    const size = Number(((len + 4095n) / 4096n) * 4096n);
    let fd: number;
    try {
      fd = createDmabuf('system-heap', size);
    } catch {
      return { errno: 'ENOMEM' };
    }
    return { errno: 0, data: arg, fds: [fd], closeAfterSend: [fd] };
  }

  private drop(id: number, conn: Connection): void {
    if (!this.conns.delete(id)) return;
    this.epoll.remove(conn.socket.fd);
    conn.socket.close();
    // A dying client loses everything at once: its context is destroyed after any request in flight.
    if (this.config.faults.includes('leak-after-death')) return;
    conn.chain = conn.chain.then(() => conn.context?.destroy());
  }

  /** Live objects across every context (leak checks and status). */
  objects(): { contexts: number; queues: number; handles: number } {
    let queues = 0;
    let handles = 0;
    let contexts = 0;
    for (const c of this.conns.values()) {
      if (!c.context) continue;
      contexts++;
      queues += c.context.objects.queues;
      handles += c.context.objects.handles;
    }
    return { contexts, queues, handles };
  }

  /** Stops serving, destroys every context, stops the engines and removes what it published. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const done = new Promise<void>((r) => (this.stopped = r));
    signalEventfd(this.wakeFd);
    await done;
    for (const [id, c] of [...this.conns]) {
      this.drop(id, c);
      await c.chain;
    }
    for (const l of this.listeners) {
      l.socket.close();
      rmSync(l.path, { force: true });
    }
    for (const [name, d] of this.devices) {
      await d.stop();
      removeOpenAccelDevice(this.layout.sysfsRoot, name);
    }
    this.epoll.close();
    closeFd(this.wakeFd);
  }

  private finish(): void {
    this.stopped?.();
  }
}
