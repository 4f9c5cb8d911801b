// A fuzz worker for a 2.0 node (/dev/accel/accelN or a refdev socket under dev/accel/): COUNT malformed
// ioctls from the 2.0 spec (reliability/accel-malformed.ts) seeded by SEED, on fresh opens of DEVICE (every
// other one bound), and every RING_EVERY inputs an abused queue: garbage entries, a wild doorbell tail, a
// wild cq_head and cq_arm in the control region, the queue destroyed or left to close(). Prints {"i":N} as it goes, {"mismatch":{...}} for an errno
// the spec does not allow, {"gone":...} when the device stops answering, and last {"summary":{tried,
// rings, fds}} where fds counts this process's open fds before and after (an fd installed by a call that
// failed, or never handed over, is a leak). argv: node PATH SEED COUNT.
import { readdirSync } from 'node:fs';
import { openTransport, type Transport } from '@openaccel/driver';
import { C, closeFd, isOpenFd, type Mapping } from '@openaccel/sys';
import { uapi2 } from '@openaccel/uapi';
import { malformedAccelIoctl, returnedAccelFds } from '../reliability/accel-malformed.js';
import { Rng } from '../rng.js';
import { checker, printLine, runFuzzInputs } from './fuzz-worker.js';
import { endWithParent, sayStarted } from './lifeline.js';

endWithParent();
sayStarted();
const [path, seedArg, countArg] = process.argv.slice(2);
const rng = new Rng(Number(seedArg));
const count = Number(countArg);
const openFds = () => readdirSync('/proc/self/fd').length;

type Name = 'DRM_IOCTL_OA_GET_INFO' | 'DRM_IOCTL_OA_BIND_CONTEXT' | 'DRM_IOCTL_OA_CREATE_QUEUE' | 'DRM_IOCTL_OA_SUBMIT' | 'DRM_IOCTL_OA_DESTROY_QUEUE';
const allowedFor = (name: Name) => new Set(uapi2.compiled.ioctls.get(name)!.errors.map((r) => r.errno));
const call = (t: Transport, name: Name, input: Record<string, unknown>) => {
  const io = uapi2.ioctl(name);
  return t.ioctl(io.request(), io.encode(input as never)).errno;
};
const check = checker({ path: path!, answers: (t) => call(t, 'DRM_IOCTL_OA_GET_INFO', {}) === undefined });

const word = (struct: string, field: string) => uapi2.struct(struct as never).offsetOf(field as never) / 4;
const CQ_HEAD = word('oa_queue_control', 'cq_head');
const CQ_ARM = word('oa_queue_control', 'cq_arm');

/** One abused queue on a fresh bound file; every ioctl's errno is checked; the queue is destroyed or closed with the file. */
function abuseRing(i: number): void {
  const t = openTransport(path!);
  const maps: Mapping[] = [];
  try {
    check('BIND_CONTEXT', i, call(t, 'DRM_IOCTL_OA_BIND_CONTEXT', {}), allowedFor('DRM_IOCTL_OA_BIND_CONTEXT'));
    const entries = rng.pick([2, 4, 16]);
    const create = uapi2.ioctl('DRM_IOCTL_OA_CREATE_QUEUE');
    const arg = create.encode({ sq_entries: entries });
    const errno = t.ioctl(create.request(), arg).errno;
    if (errno) return check('CREATE_QUEUE', i, errno, allowedFor('DRM_IOCTL_OA_CREATE_QUEUE'));
    const q = create.decode(arg);
    const map = (offset: bigint, size: number, prot: number) => {
      const m = t.mmap(offset, size, prot, C.MAP_SHARED);
      maps.push(m);
      return m;
    };
    const rw = C.PROT_READ | C.PROT_WRITE;
    const doorbell = q.doorbell_size > 0 ? new Uint32Array(map(q.doorbell_offset, q.doorbell_size, rw).buffer, 0, 1) : undefined;
    const control = new Int32Array(map(q.control_offset, q.control_size, rw).buffer);
    const sq = map(q.sq_offset, q.sq_size, rw).bytes();
    map(q.status_offset, q.status_size, C.PROT_READ);
    map(q.cq_offset, q.cq_size, C.PROT_READ);
    const kind = rng.int(5);
    if (kind === 0 || kind === 4) for (let k = 0; k < sq.length; k++) sq[k] = rng.int(256); // garbage commands
    const tail = kind === 1 ? rng.next() : 1 + rng.int(entries); // a wild tail, past the ring more often than not
    if (doorbell) Atomics.store(doorbell, 0, tail);
    if (kind === 2) Atomics.store(control, CQ_HEAD, rng.next() | 0); // a cq_head the device never posted to
    if (kind === 3) Atomics.store(control, CQ_ARM, rng.next() | 0);
    if (kind === 4) for (let k = 0; k < control.length; k++) if (rng.int(4) === 0) Atomics.store(control, k, rng.next() | 0);
    check('SUBMIT', i, call(t, 'DRM_IOCTL_OA_SUBMIT', { queue_id: q.queue_id, sq_tail: tail >>> 0 }), allowedFor('DRM_IOCTL_OA_SUBMIT'));
    // Half the queues are left for close() to release, garbage and all: the leak check sees whether it does.
    if (rng.int(2)) check('DESTROY_QUEUE', i, call(t, 'DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: q.queue_id }), allowedFor('DRM_IOCTL_OA_DESTROY_QUEUE'));
  } finally {
    for (const m of maps) m.close();
    t.close();
  }
}

// The first open loads what the transport loads once (libraries): fds are counted after it. A socket node
// passes fd fields as SCM_RIGHTS, so there they stay -1; a kernel node also gets closed numbers.
const first = openTransport(path!);
const kernelNode = first.kind !== 'socket';
first.close();
const fdsBefore = openFds();

const { tried, rings } = runFuzzInputs(
  {
    path: path!,
    bind: (t) => void call(t, 'DRM_IOCTL_OA_BIND_CONTEXT', {}),
    abuseRing,
    send: (t, i) => {
      const m = malformedAccelIoctl(rng, kernelNode);
      const errno = t.ioctl(m.request, m.arg).errno;
      check(m.shape, i, errno, m.allowed, { request: `0x${m.request.toString(16)}`, bytes: m.arg.length });
      if (errno === undefined) for (const fd of returnedAccelFds(m)) if (isOpenFd(fd)) closeFd(fd);
    },
  },
  count,
);
printLine({ summary: { tried, rings, fds: { before: fdsBefore, after: openFds() } } });
process.exit(0);
