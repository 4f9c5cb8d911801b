import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addressOf,
  C,
  closeFd,
  createEventfd,
  createMemfd,
  Epoll,
  ioctl,
  isOpenFd,
  Mapping,
  MappingClosedError,
  memfdSeals,
  openFile,
  pid,
  pollFds,
  readEventfd,
  readProcessMemory,
  signalEventfd,
  SyscallError,
  UnixSocket,
  writeProcessMemory,
  fcntl,
} from '../src/index.js';

describe('errors', () => {
  it('a failed call is a SyscallError with the errno name', () => {
    try {
      openFile('/nonexistent/x');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SyscallError);
      expect((e as SyscallError).errno).toBe('ENOENT');
      expect((e as SyscallError).message).toMatch(/^open: ENOENT \(No such file or directory\): \/nonexistent\/x$/);
    }
  });

  it('ioctl reports errno without throwing (ENOTTY on a regular file)', () => {
    const fd = openFile('/proc/self/status', C.O_RDONLY | C.O_CLOEXEC);
    expect(ioctl(fd, 0x5401, new Uint8Array(64))).toEqual({ ret: -1, errno: 'ENOTTY' });
    closeFd(fd);
    expect(isOpenFd(fd)).toBe(false);
  });
});

describe('memfd and mappings', () => {
  it('two mappings of one memfd see each other; the memfd cannot shrink or grow', () => {
    const fd = createMemfd('t', 8192);
    expect(memfdSeals(fd) & (C.F_SEAL_SHRINK | C.F_SEAL_GROW)).toBe(C.F_SEAL_SHRINK | C.F_SEAL_GROW);
    const a = Mapping.map(fd, 8192);
    const b = Mapping.map(fd, 8192);
    Atomics.store(new Int32Array(a.buffer), 100, 42);
    expect(Atomics.load(new Int32Array(b.buffer), 100)).toBe(42);
    a.close();
    b.close();
    closeFd(fd);
  });

  it('after close, the mapping refuses new views and a stale view reads zeros instead of crashing', () => {
    const fd = createMemfd('t', 4096);
    const m = Mapping.map(fd, 4096);
    const stale = new Uint32Array(m.buffer);
    stale[0] = 7;
    m.close();
    expect(() => m.buffer).toThrow(MappingClosedError);
    expect(stale[0]).toBe(0);
    stale[1] = 9; // goes to a private page, not the memfd
    const again = Mapping.map(fd, 4096);
    expect(new Uint32Array(again.buffer)[0]).toBe(7);
    expect(new Uint32Array(again.buffer)[1]).toBe(0);
    again.close();
    closeFd(fd);
  });

  it('mmap failures are SyscallErrors', () => {
    expect(() => Mapping.map(-1, 4096)).toThrow(/mmap: EBADF/);
  });
});

describe('eventfd, poll, epoll', () => {
  it('signals and reads an eventfd; poll sees it readable', () => {
    const fd = createEventfd(0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
    expect(pollFds([fd], C.POLLIN, 0)).toEqual([0]);
    signalEventfd(fd);
    signalEventfd(fd);
    expect(pollFds([fd], C.POLLIN, 0)).toEqual([C.POLLIN]);
    expect(readEventfd(fd)).toBe(2n);
    expect(readEventfd(fd)).toBeUndefined();
    closeFd(fd);
  });

  it('epoll reports a ready fd with its tag, synchronously and asynchronously', async () => {
    const ep = new Epoll();
    const fd = createEventfd(0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
    ep.add(fd, C.EPOLLIN, 77);
    expect(ep.wait(0)).toEqual([]);
    signalEventfd(fd);
    expect(ep.wait(0)).toEqual([{ events: C.EPOLLIN, tag: 77, fd }]);
    const events = await new Promise((res) => ep.waitAsync((_e, ev) => res(ev)));
    expect(events).toEqual([{ events: C.EPOLLIN, tag: 77, fd }]);
    ep.close();
    closeFd(fd);
  });

  it('an asynchronous wait with a timeout ends with no events (a parked wait would hold process exit)', async () => {
    const ep = new Epoll();
    const fd = createEventfd(0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
    ep.add(fd, C.EPOLLIN, 5);
    const events = await new Promise((res) => ep.waitAsync((_e, ev) => res(ev), 10));
    expect(events).toEqual([]);
    ep.close();
    closeFd(fd);
  });
});

describe('UNIX seqpacket sockets', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const path = () => {
    const d = mkdtempSync(join(tmpdir(), 'oa-sock-'));
    dirs.push(d);
    return join(d, 's');
  };

  it('passes a datagram with an fd, and the sender credentials', () => {
    const p = path();
    const server = UnixSocket.seqpacket(true);
    server.listen(p);
    const client = UnixSocket.connect(p);
    const conn = server.accept()!;
    conn.setOption(C.SO_PASSCRED, 1);
    expect(conn.peerCred().pid).toBe(pid());
    const memfd = createMemfd('passed', 4096);
    const m = Mapping.map(memfd, 4096);
    m.bytes()[10] = 99;
    expect(client.send(Uint8Array.of(1, 2, 3), [memfd])).toBe(3);
    const r = conn.recv();
    if (typeof r === 'string') throw new Error(r);
    expect([...r.payload]).toEqual([1, 2, 3]);
    expect(r.fds).toHaveLength(1);
    expect(r.pid).toBe(pid());
    expect(fcntl(r.fds[0]!, C.F_GETFD) & 1).toBe(1); // received with O_CLOEXEC
    const m2 = Mapping.map(r.fds[0]!, 4096);
    expect(m2.bytes()[10]).toBe(99);
    for (const x of [m, m2]) x.close();
    for (const f of [memfd, r.fds[0]!]) closeFd(f);
    client.close();
    expect(conn.recv()).toMatchObject({ length: 0 });
    conn.close();
    server.close();
  });

  it('sending a closed fd fails with EBADF, an empty non-blocking socket gives EAGAIN', () => {
    const p = path();
    const server = UnixSocket.seqpacket(true);
    server.listen(p);
    const client = UnixSocket.connect(p);
    const conn = server.accept()!;
    expect(client.send(Uint8Array.of(1), [987])).toBe('EBADF');
    expect(conn.recv()).toBe('EAGAIN');
    for (const s of [client, conn, server]) s.close();
  });

  it('connect to a missing socket is ENOENT', () => {
    expect(() => UnixSocket.connect('/nonexistent/sock')).toThrow(/connect: ENOENT/);
  });
});

describe('process memory by address', () => {
  it('reads and writes this process through process_vm_readv/writev, and faults cleanly', () => {
    const src = Buffer.alloc(256, 0xab);
    const dst = Buffer.alloc(256);
    expect(readProcessMemory(pid(), addressOf(src), addressOf(dst), 256)).toBe(256);
    expect(dst.every((b) => b === 0xab)).toBe(true);
    const w = Buffer.alloc(256, 0x11);
    expect(writeProcessMemory(pid(), addressOf(dst), addressOf(w), 256)).toBe(256);
    expect(dst[0]).toBe(0x11);
    expect(readProcessMemory(pid(), 0x10n, addressOf(dst), 16)).toBe('EFAULT');
  });

  it('a dead pid is ESRCH', () => {
    const child = spawnSync('true');
    expect(readProcessMemory(child.pid!, 0x1000n, addressOf(Buffer.alloc(128)), 8)).toBe('ESRCH');
  });
});
