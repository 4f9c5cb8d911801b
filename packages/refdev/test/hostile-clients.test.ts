/**
 * refdev against hostile local clients (issue #13): each test is an attack that broke refdev before.
 * Clients speak the socket protocol by hand (raw-client.ts); waits poll for a condition under a generous deadline.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C, closeFd, createEventfd, UnixSocket } from '@openaccel/sys';
import { DOORBELL_WORDS, encodeRequest, SocketNodeKind } from '@openaccel/uapi';
import { startRefdev, type RefdevProcess } from '@openaccel/refdev';
import { BlockedQueue, CHILD_PRELUDE, freeQueues, openFds, RawClient, until } from './raw-client.js';

const SUBMIT_WAIT = 1;
let refdev: RefdevProcess;
let node: string;
let maxQueues: number;

beforeAll(async () => {
  refdev = await startRefdev({ timeoutMs: 60_000 });
  node = refdev.node('accel0');
  maxQueues = freeQueues(refdev.sysfsRoot);
});

afterAll(async () => {
  await refdev?.stop();
  if (refdev) rmSync(refdev.runtimeDir, { recursive: true, force: true });
});

const allQueuesFree = () => freeQueues(refdev.sysfsRoot) === maxQueues;

describe('a connection is an object, not an fd number (item 2)', () => {
  it("a closed client's pending reply never reaches the next client given its fd number", async () => {
    const before = openFds(refdev.pid);
    const a = new RawClient(node);
    await until(() => openFds(refdev.pid).size > before.size, 'refdev accepts A');
    const aFds = [...openFds(refdev.pid)].filter((fd) => !before.has(fd));
    const q = new BlockedQueue(a);
    q.fill();
    // A waits for commands that cannot complete (its CQ is full), then goes away.
    a.send('OA_IOCTL_SUBMIT', { queue_id: q.queueId, sq_tail: q.writeNops(1), flags: SUBMIT_WAIT, timeout_ns: 300_000_000n });
    q.unmap();
    a.close();
    await until(() => aFds.every((fd) => !openFds(refdev.pid).has(fd)), "refdev closes A's socket");
    const b = new RawClient(node);
    await until(allQueuesFree, "A's queue is destroyed");
    const r = b.ioctl('OA_IOCTL_GET_INFO');
    expect(r.errno).toBe(0);
    expect(r.value.max_queues).toBe(maxQueues);
    b.close();
  });
});

describe('each datagram is copied before it waits its turn (item 4)', () => {
  it('ALLOC 4 KiB then 64 KiB sent back to back allocate 4 KiB and 64 KiB', () => {
    const c = new RawClient(node);
    const q = new BlockedQueue(c);
    q.fill();
    const free0 = c.ioctl('OA_IOCTL_QUERY_MEMORY', { memory_id: 0 }).value.free_bytes as bigint;
    // Both ALLOCs arrive while a SUBMIT wait holds the connection's turn, so they wait together.
    c.send('OA_IOCTL_SUBMIT', { queue_id: q.queueId, sq_tail: q.writeNops(1), flags: SUBMIT_WAIT, timeout_ns: 1_000_000_000n });
    c.send('OA_IOCTL_ALLOC_MEMORY', { memory_id: 0, length: 4096n });
    c.send('OA_IOCTL_ALLOC_MEMORY', { memory_id: 0, length: 65536n });
    expect(c.reply('OA_IOCTL_SUBMIT').errno).toBe('ETIMEDOUT');
    expect(c.reply('OA_IOCTL_ALLOC_MEMORY').errno).toBe(0);
    expect(c.reply('OA_IOCTL_ALLOC_MEMORY').errno).toBe(0);
    const free1 = c.ioctl('OA_IOCTL_QUERY_MEMORY', { memory_id: 0 }).value.free_bytes as bigint;
    expect(free0 - free1).toBe(4096n + 65536n);
    q.unmap();
    c.close();
  });
});

describe('fds and connections are bounded (item 5)', () => {
  it('fds sent with frames that fail to decode are closed', async () => {
    const c = new RawClient(node);
    expect(c.ioctl('OA_IOCTL_GET_INFO').errno).toBe(0);
    const base = openFds(refdev.pid).size;
    const efds = Array.from({ length: 8 }, () => createEventfd());
    for (let i = 0; i < 20; i++) expect(c.socket.send(Uint8Array.of(1, 2, 3, 4, 5), efds)).toBe(5);
    for (let i = 0; i < 20; i++) expect(c.socket.send(encodeRequest({ kind: 7 as SocketNodeKind, request: 0, arg: new Uint8Array(8) }), efds)).toBeGreaterThan(0);
    for (let i = 0; i < 40; i++) expect(c.reply('OA_IOCTL_GET_INFO').errno).toBe('EINVAL');
    await until(() => openFds(refdev.pid).size <= base, `refdev back to ${base} fds (has ${openFds(refdev.pid).size})`);
    for (const fd of efds) closeFd(fd);
    c.close();
  });

  it('a client that pipelines requests without reading replies cannot make refdev hold its fds', async () => {
    const c = new RawClient(node);
    const q = new BlockedQueue(c);
    q.fill();
    const base = openFds(refdev.pid).size;
    // The first request blocks; everything after it waits its turn with 8 fds each.
    c.send('OA_IOCTL_SUBMIT', { queue_id: q.queueId, sq_tail: q.writeNops(1), flags: SUBMIT_WAIT, timeout_ns: 0n });
    const efds = Array.from({ length: 8 }, () => createEventfd());
    let sent = 0;
    while (sent < 400 && typeof c.send('OA_IOCTL_GET_INFO', {}, efds, C.MSG_NOSIGNAL | C.MSG_DONTWAIT) === 'number') sent++;
    // Sampled for a while: refdev reads at most MAX_PENDING_REQUESTS (32) requests ahead, 8 fds each.
    let most = 0;
    for (let i = 0; i < 25; i++) {
      most = Math.max(most, openFds(refdev.pid).size - base);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(most).toBeLessThanOrEqual(8 * 40);
    for (const fd of efds) closeFd(fd);
    q.unmap();
    c.close();
    await until(allQueuesFree, 'the queue is destroyed');
  });
});

describe('connections are bounded and running out of fds is survived (item 5)', () => {
  it('a uid holds at most maxConnectionsPerUid connections', async () => {
    const own = await startRefdev({ timeoutMs: 60_000, config: { maxConnectionsPerUid: 4 } });
    try {
      const held = Array.from({ length: 4 }, () => new RawClient(own.node('accel0')));
      for (const c of held) expect(c.ioctl('OA_IOCTL_GET_INFO').errno).toBe(0);
      const fifth = new RawClient(own.node('accel0'));
      // Closed by refdev as soon as it is accepted: the client's request fails to send or finds no reply.
      expect(() => fifth.ioctl('OA_IOCTL_GET_INFO')).toThrow(/connection closed|ECONNRESET|EPIPE/);
      fifth.close();
      held.pop()!.close();
      // The freed slot is taken again once refdev has seen the close.
      await until(() => {
        const c = new RawClient(own.node('accel0'));
        try {
          return c.ioctl('OA_IOCTL_GET_INFO').errno === 0;
        } catch {
          return false;
        } finally {
          c.close();
        }
      }, 'a new connection is served');
      for (const c of held) c.close();
    } finally {
      await own.stop();
      rmSync(own.runtimeDir, { recursive: true, force: true });
    }
  });

  it('EMFILE on accept pauses accepting instead of killing refdev', async () => {
    const own = await startRefdev({ timeoutMs: 60_000 });
    try {
      // RLIMIT_NOFILE bounds fd numbers: refdev is out of fds once every number below the limit is taken.
      const limit = openFds(own.pid).size + 16;
      const full = () => {
        const open = openFds(own.pid);
        return Array.from({ length: limit }, (_, n) => n).every((n) => open.has(n));
      };
      const set = spawnSync('prlimit', ['--pid', String(own.pid), `--nofile=${limit}:${limit}`]);
      expect(set.status).toBe(0);
      const open = openFds(own.pid);
      const free = Array.from({ length: limit }, (_, n) => n).filter((n) => !open.has(n)).length;
      const flood = Array.from({ length: free + 5 }, () => UnixSocket.connect(own.node('accel0')));
      await until(full, `refdev reaches its fd limit of ${limit}`, 90_000);
      for (const s of flood) s.close();
      // Polled, not a blocking read: a refdev wedged at its fd limit fails this test instead of hanging it.
      const c = new RawClient(own.node('accel0'));
      c.send('OA_IOCTL_GET_INFO', {});
      let answer: ReturnType<typeof c.socket.recv> = 'EAGAIN';
      await until(() => (answer = c.socket.recv(C.MSG_DONTWAIT)) !== 'EAGAIN', 'refdev answers a new client after the flood', 90_000);
      expect(typeof answer === 'string' ? answer : answer.length).toBeGreaterThan(0);
      c.close();
      expect(own.child.exitCode).toBeNull();
    } finally {
      await own.stop();
      rmSync(own.runtimeDir, { recursive: true, force: true });
    }
  });
});

describe('imports (item 6)', () => {
  it('a dma-buf over 4 GiB is refused with EINVAL and refdev goes on', async () => {
    // A refdev of its own: the old one aborted here.
    const own = await startRefdev({ timeoutMs: 60_000 });
    try {
      importHuge(own);
    } finally {
      await own.stop();
      rmSync(own.runtimeDir, { recursive: true, force: true });
    }
  });
});

function importHuge(refdev: RefdevProcess): void {
  {
    const heap = new RawClient(`${refdev.devRoot}/dma_heap/system`);
    const arg = new Uint8Array(24);
    new DataView(arg.buffer).setBigUint64(0, 2n ** 32n + 4096n, true);
    new DataView(arg.buffer).setUint32(12, C.O_CLOEXEC | 2, true);
    heap.socket.send(encodeRequest({ kind: SocketNodeKind.Ioctl, request: 0xc0184800, arg }));
    const r = heap.socket.recv();
    if (typeof r === 'string') throw new Error(r);
    expect(r.fds).toHaveLength(1);
    heap.close();
    const c = new RawClient(refdev.node('accel0'));
    expect(c.ioctl('OA_IOCTL_BIND_CONTEXT', { flags: 0 }).errno).toBe(0);
    expect(c.ioctl('OA_IOCTL_IMPORT_DMABUF', { fd: r.fds[0] }, [r.fds[0]!]).errno).toBe('EINVAL');
    expect(c.ioctl('OA_IOCTL_GET_INFO').errno).toBe(0);
    closeFd(r.fds[0]!);
    c.close();
  }
}

describe('SUBMIT with OA_SUBMIT_WAIT (item 8)', () => {
  it('a client gone while blocked with timeout 0 leaks nothing', async () => {
    const c = new RawClient(node);
    const q = new BlockedQueue(c);
    q.fill();
    c.send('OA_IOCTL_SUBMIT', { queue_id: q.queueId, sq_tail: q.writeNops(1), flags: SUBMIT_WAIT, timeout_ns: 0n });
    q.unmap();
    c.close();
    await until(allQueuesFree, 'the queue of the closed client is destroyed');
  });

  it('a client SIGKILLed while blocked with timeout 0 leaks nothing', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', BLOCKED_CLIENT, node], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until(() => out.includes('blocked'), 'the client blocks in SUBMIT WAIT');
      expect(freeQueues(refdev.sysfsRoot)).toBe(maxQueues - 1);
    } finally {
      child.kill('SIGKILL');
    }
    await until(allQueuesFree, 'the queue of the killed client is destroyed');
  });

  it('a timeout above 2^31 ms waits instead of failing at once', async () => {
    const c = new RawClient(node);
    const q = new BlockedQueue(c);
    q.fill();
    c.send('OA_IOCTL_SUBMIT', { queue_id: q.queueId, sq_tail: q.writeNops(1), flags: SUBMIT_WAIT, timeout_ns: 30n * 86_400n * 1_000_000_000n });
    // Consuming the CQ lets the command complete (the engine notices the CQ head while it polls).
    await new Promise((r) => setTimeout(r, 50));
    Atomics.store(q.doorbell, DOORBELL_WORDS.CQ_HEAD, 2);
    wakeEngine();
    const r = c.reply('OA_IOCTL_SUBMIT');
    expect(r.errno).toBe(0);
    expect(r.value.cq_tail).toBe(3);
    q.unmap();
    c.close();
  });

  it('a queue stopped during the wait answers EIO, not ETIMEDOUT', async () => {
    const c = new RawClient(node);
    const q = new BlockedQueue(c);
    q.fill();
    // The answer is EIO whether the engine notices the stop at once or the wait reaches its timeout.
    c.send('OA_IOCTL_SUBMIT', { queue_id: q.queueId, sq_tail: q.writeNops(1), flags: SUBMIT_WAIT, timeout_ns: 5_000_000_000n });
    await new Promise((r) => setTimeout(r, 50));
    // Publish a tail past the ring: the engine stops the queue (OA_DOORBELL_ERROR) once it looks again.
    Atomics.store(q.doorbell, DOORBELL_WORDS.SQ_TAIL, q.tail + 100);
    wakeEngine();
    const r = c.reply('OA_IOCTL_SUBMIT');
    expect(r.errno).toBe('EIO');
    expect(Atomics.load(q.doorbell, DOORBELL_WORDS.FLAGS) & 2).toBe(2);
    q.unmap();
    c.close();
    await until(allQueuesFree, 'both queues are destroyed');
  }, 60_000);
});

/** Another client's CREATE_QUEUE posts mail to the engine, which wakes it if it sleeps. */
function wakeEngine(): void {
  const other = new RawClient(node);
  new BlockedQueue(other).unmap();
  other.close();
}

/** A client that blocks in SUBMIT WAIT with no timeout and says so (run with `node -e`). */
const BLOCKED_CLIENT = `${CHILD_PRELUDE}
const s = UnixSocket.connect(process.argv[1]);
call(s, 'OA_IOCTL_BIND_CONTEXT', { flags: 0 });
const q = call(s, 'OA_IOCTL_CREATE_QUEUE', { sq_entries: 2, cq_entries: 2 });
s.send(encodeRequest({ kind: SocketNodeKind.Mmap, request: 0, arg: encodeMmapArg({ offset: q.sq_offset, length: BigInt(q.sq_size), prot: 3, flags: C.MAP_SHARED }) }));
const m = s.recv();
const sq = Mapping.map(m.fds[0], q.sq_size, { offset: Buffer.from(decodeReply(m.payload).data).readBigUInt64LE(0) });
closeFd(m.fds[0]);
new Uint8Array(sq.buffer).fill(0);
call(s, 'OA_IOCTL_SUBMIT', { queue_id: q.queue_id, sq_tail: 2, flags: 1, timeout_ns: 60000000000n });
const io = uapi.ioctl('OA_IOCTL_SUBMIT');
s.send(encodeRequest({ kind: SocketNodeKind.Ioctl, request: io.request(), arg: io.encode({ queue_id: q.queue_id, sq_tail: 3, flags: 1, timeout_ns: 0n }) }));
process.stdout.write('blocked\\n');
s.recv();
`;
