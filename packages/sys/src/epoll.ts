/**
 * epoll with one parked asynchronous wait (koffi .async on the libuv pool): the reactor of a daemon
 * whose main thread stays free (fd-passing.md §2.4). The events buffer is kept alive for the life of
 * the object, as koffi does not retain buffers of .async calls.
 */
import { C, libc } from './libc.js';
import { check, errnoName, lastErrno } from './errors.js';

export interface EpollEvent {
  events: number;
  /** The tag given to add(). */
  tag: number;
}

const EVENT_SIZE = 12; // struct epoll_event is packed on x86-64

export class Epoll {
  readonly fd = check(libc.epoll_create1(C.EPOLL_CLOEXEC) as number, 'epoll_create1');
  private readonly events = Buffer.alloc(EVENT_SIZE * 64);
  private readonly one = Buffer.alloc(EVENT_SIZE);
  private waiting = false;

  /** Watches fd for `events`; the tag (a u32) comes back with each event. */
  add(fd: number, events: number, tag: number): void {
    this.one.writeUInt32LE(events, 0);
    this.one.writeBigUInt64LE((BigInt(tag >>> 0) << 32n) | BigInt(fd >>> 0), 4);
    check(libc.epoll_ctl(this.fd, C.EPOLL_CTL_ADD, fd, this.one) as number, 'epoll_ctl(ADD)');
  }

  /** Changes the events watched on fd (e.g. stop reading a client that has too much in flight). */
  modify(fd: number, events: number, tag: number): void {
    this.one.writeUInt32LE(events, 0);
    this.one.writeBigUInt64LE((BigInt(tag >>> 0) << 32n) | BigInt(fd >>> 0), 4);
    check(libc.epoll_ctl(this.fd, C.EPOLL_CTL_MOD, fd, this.one) as number, 'epoll_ctl(MOD)');
  }

  remove(fd: number): void {
    libc.epoll_ctl(this.fd, C.EPOLL_CTL_DEL, fd, null);
  }

  private decode(n: number): (EpollEvent & { fd: number })[] {
    const out: (EpollEvent & { fd: number })[] = [];
    for (let i = 0; i < n; i++) {
      const data = this.events.readBigUInt64LE(EVENT_SIZE * i + 4);
      out.push({ events: this.events.readUInt32LE(EVENT_SIZE * i), tag: Number(data >> 32n), fd: Number(data & 0xffffffffn) });
    }
    return out;
  }

  wait(timeoutMs: number): (EpollEvent & { fd: number })[] {
    const n = libc.epoll_wait(this.fd, this.events, 64, timeoutMs) as number;
    if (n < 0) {
      if (errnoName(lastErrno()) === 'EINTR') return [];
      check(n, 'epoll_wait');
    }
    return this.decode(n);
  }

  /**
   * One asynchronous wait, at most one parked at a time; no events after `timeoutMs` (-1: none). A
   * process cannot exit while a wait is parked (exit joins the libuv pool), so a daemon bounds it.
   */
  waitAsync(cb: (err: Error | null, events: (EpollEvent & { fd: number })[]) => void, timeoutMs = -1): void {
    if (this.waiting) throw new Error('an epoll wait is already parked');
    this.waiting = true;
    libc.epoll_wait.async(this.fd, this.events, 64, timeoutMs, (err: Error | null, n: number) => {
      this.waiting = false;
      if (err) return cb(err, []);
      cb(null, n < 0 ? [] : this.decode(n));
    });
  }

  close(): void {
    libc.close(this.fd);
  }
}
