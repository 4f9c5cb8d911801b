/**
 * The refdev process's control side: publishes sysfs and device nodes under a runtime directory and
 * serves every connection (a context) on the main thread with one parked epoll wait (fd-passing.md §2.4).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { C, closeFd, createEventfd, Epoll, readEventfd, signalEventfd, SyscallError, UnixSocket, type Received } from '@openaccel/sys';
import { removeOpenAccelDevice, writeOpenAccelDevice } from '@openaccel/sysfs';
import { decodeMmapArg, decodeRequest, encodeReply, ERRNO, SocketNodeKind, type ErrnoName } from '@openaccel/uapi';
import type { RefdevConfig } from './config.js';
import { Context, type Reply, type Sender } from './context.js';
import { MemoryPool, RefDevice, sysfsDevice } from './device.js';
import { createDmabuf } from './dmabuf.js';
import { refdevManifest } from './manifest.js';
import { AccelFile } from './v2/accel-file.js';
import { fdinfoText } from './v2/fdinfo.js';
import { setHangupWatcher } from './v2/hangup.js';
import { accelNodePath } from './v2/paths.js';
import { removeAccelDevice, writeAccelDevice } from './v2/sysfs.js';

const DMA_HEAP_IOCTL_ALLOC = 0xc0184800;
/** Requests one connection may have received and not yet answered; past it refdev stops reading it (fds included). */
export const MAX_PENDING_REQUESTS = 32;
/**
 * The control socket in the runtime directory. Connecting to it proves which process serves the directory:
 * the client's SO_PEERPIDFD names the process that listens (refdev), so `refdev stop` signals a pidfd, never
 * a pid number read from a file. refdev accepts and closes each connection; nothing is read from it.
 */
export const CONTROL_SOCKET = 'refdev.sock';
/** How long accepting pauses when refdev is out of fds (EMFILE/ENFILE) or memory. */
const ACCEPT_BACKOFF_MS = 100;

/**
 * The reactor's wait ends at least this often: an exit (even on an uncaught error) joins the libuv pool,
 * which a wait parked for ever would hold, leaving refdev alive, deaf and deaf to SIGTERM too.
 */
const REACTOR_WAIT_MS = 1000;

/** A client connection: an object, never an fd number (a closed one's number may already be another's). */
interface Connection {
  socket: UnixSocket;
  uid: number;
  tag: number;
  device?: RefDevice;
  context?: Context | AccelFile;
  /** Requests of one connection are served in order. */
  chain: Promise<void>;
  pending: number;
  /** Not reading (too much in flight); still watched for hang-up. */
  paused: boolean;
  closed: boolean;
  /** Tag of the epoll watch on the binder's pidfd, once the context is bound. */
  binderTag?: number;
}

export interface RefdevLayout {
  runtimeDir: string;
  controlSocket: string;
  sysfsRoot: string;
  devRoot: string;
}

export function layoutOf(runtimeDir: string): RefdevLayout {
  return { runtimeDir, controlSocket: join(runtimeDir, CONTROL_SOCKET), sysfsRoot: join(runtimeDir, 'sys'), devRoot: join(runtimeDir, 'dev') };
}

export class Refdev {
  readonly layout: RefdevLayout;
  readonly devices = new Map<string, RefDevice>();
  private readonly epoll = new Epoll();
  private readonly wakeFd = createEventfd(0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
  private readonly listeners: { socket: UnixSocket; device?: RefDevice; v2?: boolean; path: string; tag: number }[] = [];
  private readonly conns = new Set<Connection>();
  /** What each epoll tag (a u32) stands for; tags are handed out afresh and freed when their watch ends. */
  private readonly tags = new Map<number, (events: number) => void>();
  private nextTag = 1;
  private readonly connsPerUid = new Map<number, number>();
  private acceptPaused: NodeJS.Timeout | undefined;
  private stopping = false;
  private stopped: (() => void) | undefined;

  constructor(
    runtimeDir: string,
    readonly config: RefdevConfig,
  ) {
    this.layout = layoutOf(runtimeDir);
  }

  /**
   * Publishes sysfs and manifests, starts the engines and, once every engine has loaded (a client may
   * take every fd refdev has the moment a node exists), the device nodes and the reactor.
   */
  async start(): Promise<void> {
    const { sysfsRoot, devRoot, runtimeDir } = this.layout;
    mkdirSync(join(devRoot, 'openaccel'), { recursive: true });
    mkdirSync(join(devRoot, 'accel'), { recursive: true });
    mkdirSync(join(devRoot, 'dma_heap'), { recursive: true });
    mkdirSync(join(runtimeDir, 'manifests'), { recursive: true });
    const pools = new Map(this.config.memories.map((m) => [m.id, new MemoryPool(m)]));
    const manifest = `${JSON.stringify(refdevManifest(this.config), null, 2)}\n`;
    const faults = new Set(this.config.faults);
    this.config.devices.forEach((d) => {
      if (faults.has('manifest-absent-function')) d.functions = d.functions.filter((f) => f !== 'sha256');
      writeOpenAccelDevice(sysfsRoot, sysfsDevice(d, this.config));
      writeAccelDevice(sysfsRoot, d, this.config, d.maxQueues);
      if (faults.has('sysfs-bad-format')) writeFileSync(join(sysfsRoot, 'class/openaccel', d.name, 'numa_node'), `node${d.numaNode}\n`);
      writeFileSync(join(runtimeDir, 'manifests', `${d.name}.json`), manifest);
      const device = new RefDevice(d, pools, this.config, sysfsRoot);
      this.devices.set(d.name, device);
    });
    await Promise.all([...this.devices.values()].map((d) => d.ready));
    for (const [name, device] of this.devices) this.listen(join(devRoot, 'openaccel', name), device);
    // 2.0 beside 1.0: the same engines and memory pools behind a second node per device.
    for (const [name, device] of this.devices) this.listen(accelNodePath(runtimeDir, name), device, true);
    this.listen(join(devRoot, 'dma_heap', 'system'));
    this.listenControl();
    this.epoll.add(this.wakeFd, C.EPOLLIN, this.tag(() => readEventfd(this.wakeFd)));
    setHangupWatcher((fd, onHangup) => {
      const t = this.tag(() => {
        unwatch();
        onHangup();
      });
      const unwatch = () => {
        if (!this.tags.delete(t)) return;
        this.epoll.remove(fd);
      };
      this.epoll.add(fd, C.EPOLLRDHUP, t);
      return unwatch;
    });
    this.arm();
  }

  private tag(handler: (events: number) => void): number {
    while (this.tags.has(this.nextTag)) this.nextTag = (this.nextTag % 0xffffffff) + 1;
    const t = this.nextTag;
    this.nextTag = (this.nextTag % 0xffffffff) + 1;
    this.tags.set(t, handler);
    return t;
  }

  private listen(path: string, device?: RefDevice, v2 = false): void {
    rmSync(path, { force: true });
    const socket = UnixSocket.seqpacket(true);
    // Set on the listener so accepted sockets have them from the first datagram (unix_sock_inherit_flags).
    socket.setOption(C.SO_PASSCRED, 1);
    setPassPidfd(socket);
    socket.listen(path);
    const l = { socket, path, ...(device ? { device } : {}), v2, tag: 0 };
    l.tag = this.tag(() => this.accept(l));
    this.listeners.push(l);
    this.epoll.add(socket.fd, C.EPOLLIN, l.tag);
  }

  private arm(): void {
    this.epoll.waitAsync((err, events) => {
      if (err) throw err;
      for (const e of events) this.onEvent(e.tag, e.events);
      if (this.stopping) this.finish();
      else this.arm();
    }, REACTOR_WAIT_MS);
  }

  private listenControl(): void {
    const path = this.layout.controlSocket;
    rmSync(path, { force: true });
    const socket = UnixSocket.seqpacket(true);
    socket.listen(path);
    const l = { socket, path, tag: 0 };
    l.tag = this.tag(() => {
      for (;;) {
        try {
          const c = socket.accept();
          if (!c) return;
          c.close();
        } catch {
          return this.pauseAccepting();
        }
      }
    });
    this.listeners.push(l);
    this.epoll.add(socket.fd, C.EPOLLIN, l.tag);
  }

  private onEvent(tag: number, events: number): void {
    this.tags.get(tag)?.(events);
  }

  private accept(l: (typeof this.listeners)[number]): void {
    for (;;) {
      let s: UnixSocket | undefined;
      try {
        s = l.socket.accept();
      } catch (e) {
        // Out of fds or memory: stop accepting for a while instead of dying (the clients wait in the backlog).
        if (e instanceof SyscallError && ['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM'].includes(e.errno)) return this.pauseAccepting();
        if (e instanceof SyscallError && ['ECONNABORTED', 'EPROTO', 'EINTR'].includes(e.errno)) continue;
        throw e;
      }
      if (!s) return;
      const uid = s.peerCred().uid;
      const n = this.connsPerUid.get(uid) ?? 0;
      if (n >= this.config.maxConnectionsPerUid) {
        s.close(); // the client sees its connection closed (ENODEV on its first ioctl)
        continue;
      }
      this.connsPerUid.set(uid, n + 1);
      s.setOption(C.SO_PASSCRED, 1);
      setPassPidfd(s);
      const conn: Connection = { socket: s, uid, tag: 0, chain: Promise.resolve(), pending: 0, paused: false, closed: false, ...(l.device ? { device: l.device, context: l.v2 ? new AccelFile(l.device) : new Context(l.device) } : {}) };
      conn.tag = this.tag((events) => this.onConnection(conn, events));
      this.conns.add(conn);
      this.epoll.add(s.fd, C.EPOLLIN | C.EPOLLRDHUP, conn.tag);
    }
  }

  private pauseAccepting(): void {
    if (this.acceptPaused || this.stopping) return;
    for (const l of this.listeners) this.epoll.remove(l.socket.fd);
    this.acceptPaused = setTimeout(() => {
      this.acceptPaused = undefined;
      if (this.stopping) return;
      for (const l of this.listeners) this.epoll.add(l.socket.fd, C.EPOLLIN, l.tag);
    }, ACCEPT_BACKOFF_MS);
  }

  private onConnection(conn: Connection, events: number): void {
    while (!conn.closed && conn.pending < MAX_PENDING_REQUESTS) {
      const r = conn.socket.recv(C.MSG_CMSG_CLOEXEC | C.MSG_DONTWAIT);
      if (r === 'EAGAIN') break;
      // fds cut off (refdev at its fd limit) are missing from the request, which then fails on its own terms.
      if (typeof r === 'string' || r.length === 0 || (r.truncated && !r.fdsTruncated)) {
        if (typeof r !== 'string') closeReceived(r);
        this.drop(conn);
        return;
      }
      // A copy: the socket's receive buffer is reused by the next datagram while this one waits its turn.
      const msg: Received = { ...r, payload: Uint8Array.from(r.payload) };
      conn.pending++;
      conn.chain = conn.chain
        .then(() => this.serve(conn, msg))
        .catch(() => this.drop(conn))
        .finally(() => {
          closeReceived({ fds: [], ...(msg.pidfd !== undefined ? { pidfd: msg.pidfd } : {}) });
          conn.pending--;
          if (conn.paused && !conn.closed && conn.pending < MAX_PENDING_REQUESTS) {
            conn.paused = false;
            this.epoll.modify(conn.socket.fd, C.EPOLLIN | C.EPOLLRDHUP, conn.tag);
          }
        });
    }
    if (conn.closed) return;
    if (events & (C.EPOLLHUP | C.EPOLLRDHUP | C.EPOLLERR)) return this.drop(conn);
    if (conn.pending >= MAX_PENDING_REQUESTS && !conn.paused) {
      // Level-triggered: stop asking for input until the queue drains, but still hear a hang-up.
      conn.paused = true;
      this.epoll.modify(conn.socket.fd, C.EPOLLRDHUP, conn.tag);
    }
  }

  private async serve(conn: Connection, msg: Received): Promise<void> {
    if (conn.closed) {
      for (const fd of msg.fds) closeFd(fd);
      return;
    }
    const req = decodeRequest(msg.payload);
    // pid 0: a datagram queued before credentials were on; the connecting process is then the sender.
    const sender: Sender = { pid: msg.pid || conn.socket.peerCred().pid, ...(msg.pidfd !== undefined ? { pidfd: msg.pidfd } : {}) };
    let reply: Reply;
    if (!req) {
      // fds sent with a frame that does not decode are dropped like the frame.
      for (const fd of msg.fds) closeFd(fd);
      reply = { errno: 'EINVAL' };
    } else if (!conn.context) reply = this.serveHeap(req.request, req.arg, msg.fds);
    else if (req.kind === SocketNodeKind.Fdinfo) {
      for (const fd of msg.fds) closeFd(fd);
      reply = conn.context instanceof AccelFile ? { errno: 0, data: new TextEncoder().encode(fdinfoText(conn.context)) } : { errno: 'EINVAL' };
    } else if (req.kind === SocketNodeKind.Mmap) {
      const a = decodeMmapArg(req.arg);
      reply = a ? conn.context.mmap(a, sender) : { errno: 'EINVAL' };
      for (const fd of msg.fds) closeFd(fd);
    } else reply = await conn.context.ioctl(req.request, req.arg, msg.fds, sender);
    if (conn.context) this.watchBinder(conn, conn.context);
    // The client went away while this request was served: its reply and fds go nowhere.
    if (!conn.closed) {
      const errno = reply.errno === 0 ? 0 : ERRNO[reply.errno as ErrnoName];
      conn.socket.send(encodeReply({ errno, data: reply.data ?? new Uint8Array(0) }), reply.errno === 0 ? (reply.fds ?? []) : []);
    }
    for (const fd of reply.closeAfterSend ?? []) closeFd(fd);
  }

  /** Once a context is bound, the death of its process (pidfd readable) destroys its queues and handles. */
  private watchBinder(conn: Connection, context: Context | AccelFile): void {
    const pidfd = context.binderPidfd;
    if (pidfd === undefined || conn.binderTag !== undefined) return;
    conn.binderTag = this.tag(() => {
      this.unwatchBinder(conn, pidfd);
      if (this.config.faults.includes('leak-after-death')) return;
      conn.chain = conn.chain.then(() => context.binderDied());
    });
    this.epoll.add(pidfd, C.EPOLLIN, conn.binderTag);
  }

  private unwatchBinder(conn: Connection, pidfd: number | undefined): void {
    if (conn.binderTag === undefined) return;
    if (pidfd !== undefined) this.epoll.remove(pidfd);
    this.tags.delete(conn.binderTag);
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

  private drop(conn: Connection): void {
    if (!this.conns.delete(conn)) return;
    conn.closed = true;
    this.epoll.remove(conn.socket.fd);
    this.tags.delete(conn.tag);
    this.unwatchBinder(conn, conn.context?.binderPidfd);
    conn.socket.close();
    const n = (this.connsPerUid.get(conn.uid) ?? 1) - 1;
    if (n > 0) this.connsPerUid.set(conn.uid, n);
    else this.connsPerUid.delete(conn.uid);
    // A dying client loses everything at once: a SUBMIT wait in progress ends, then the context is destroyed.
    if (this.config.faults.includes('leak-after-death')) return;
    conn.context?.abortWaits();
    conn.chain = conn.chain.then(() => conn.context?.destroy());
  }

  /** Live objects across every context (leak checks and status). */
  objects(): { contexts: number; queues: number; handles: number; syncobjs: number } {
    let queues = 0;
    let handles = 0;
    let contexts = 0;
    let syncobjs = 0;
    for (const c of this.conns) {
      if (!c.context) continue;
      contexts++;
      const o = c.context.objects;
      queues += o.queues;
      handles += o.handles;
      syncobjs += 'syncobjs' in o ? o.syncobjs : 0;
    }
    return { contexts, queues, handles, syncobjs };
  }

  /** Stops serving, destroys every context, stops the engines and removes what it published. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const done = new Promise<void>((r) => (this.stopped = r));
    signalEventfd(this.wakeFd);
    await done;
    clearTimeout(this.acceptPaused);
    for (const c of [...this.conns]) {
      this.drop(c);
      await c.chain;
    }
    for (const l of this.listeners) {
      l.socket.close();
      rmSync(l.path, { force: true });
    }
    for (const [name, d] of this.devices) {
      await d.stop();
      removeOpenAccelDevice(this.layout.sysfsRoot, name);
      removeAccelDevice(this.layout.sysfsRoot, name);
    }
    setHangupWatcher(undefined);
    this.epoll.close();
    closeFd(this.wakeFd);
  }

  private finish(): void {
    this.stopped?.();
  }
}

/** SO_PASSPIDFD (Linux 6.5+): each datagram brings a pidfd of its sender; older kernels fall back to pidfd_open. */
function setPassPidfd(s: UnixSocket): void {
  try {
    s.setOption(C.SO_PASSPIDFD, 1);
  } catch {
    // not supported: BIND opens the pidfd from the pid
  }
}

function closeReceived(r: Pick<Received, 'fds' | 'pidfd'>): void {
  for (const fd of r.fds) closeFd(fd);
  if (r.pidfd !== undefined) closeFd(r.pidfd);
}
