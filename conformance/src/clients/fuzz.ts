// A fuzz worker: COUNT malformed ioctls generated from the spec (malformed.ts) with the generator seeded
// by SEED, on fresh opens of DEVICE (every other one bound), and every RING_EVERY inputs an abused ring:
// garbage entries, a tail past the ring, the device-owned sq_head overwritten, a wild cq_head. Prints
// {"i":N} as it goes, {"mismatch":{...}} for an errno the spec does not allow, {"gone":...} when the
// device stops answering, and last {"summary":{tried, rings}}. argv: node PATH SEED COUNT.
import { openTransport, type Transport } from '@openaccel/driver';
import { C, closeFd, isOpenFd } from '@openaccel/sys';
import { DOORBELL_WORDS as W, uapi } from '@openaccel/uapi';
import { malformedIoctl, returnedFds } from '../malformed.js';
import { Rng } from '../rng.js';
import { checker, printLine, runFuzzInputs } from './fuzz-worker.js';
import { endWithParent, sayStarted } from './lifeline.js';

endWithParent();
sayStarted();
const [path, seedArg, countArg] = process.argv.slice(2);
const rng = new Rng(Number(seedArg));
const count = Number(countArg);

function bind(t: Transport): string | undefined {
  const io = uapi.ioctl('OA_IOCTL_BIND_CONTEXT');
  return t.ioctl(io.request(), io.encode({})).errno;
}

const check = checker({
  path: path!,
  answers: (t) => {
    const io = uapi.ioctl('OA_IOCTL_GET_INFO');
    return t.ioctl(io.request(), io.encode({})).errno === undefined;
  },
});

/** Errnos SUBMIT, CREATE_QUEUE and DESTROY_QUEUE may answer under ring abuse. */
const allowedFor = (name: string) => new Set([...uapi.compiled.spec.commonErrors.map((r) => r.errno), ...uapi.compiled.ioctls.get(name)!.spec.errors.map((r) => r.errno)]);
const RING_IOCTLS = ['OA_IOCTL_CREATE_QUEUE', 'OA_IOCTL_SUBMIT', 'OA_IOCTL_DESTROY_QUEUE'] as const;
const ALLOWED = Object.fromEntries(RING_IOCTLS.map((n) => [n, allowedFor(n)])) as Record<(typeof RING_IOCTLS)[number], Set<string>>;

/** One abused ring on a fresh bound context; every ioctl's errno is checked, then the queue is destroyed. */
function abuseRing(i: number): void {
  const t = openTransport(path!);
  try {
    check('BIND_CONTEXT', i, bind(t), allowedFor('OA_IOCTL_BIND_CONTEXT'));
    const entries = rng.pick([2, 4, 16]);
    const create = uapi.ioctl('OA_IOCTL_CREATE_QUEUE');
    const arg = create.encode({ sq_entries: entries });
    const errno = t.ioctl(create.request(), arg).errno;
    if (errno) return check('CREATE_QUEUE', i, errno, ALLOWED.OA_IOCTL_CREATE_QUEUE);
    const q = create.decode(arg);
    const map = (o: bigint, n: number) => t.mmap(o, n, C.PROT_READ | C.PROT_WRITE, C.MAP_SHARED);
    const regions = [map(q.doorbell_offset, q.doorbell_size), map(q.sq_offset, q.sq_size), map(q.cq_offset, q.cq_size)];
    try {
      const sq = regions[1]!.bytes();
      const words = new Int32Array(regions[0]!.buffer);
      const kind = rng.int(5);
      if (kind === 0 || kind === 4) for (let k = 0; k < sq.length; k++) sq[k] = rng.int(256); // garbage commands
      if (kind === 1) Atomics.store(words, W.SQ_TAIL, rng.next() | 0); // a wild tail, past the ring more often than not
      else Atomics.store(words, W.SQ_TAIL, 1 + rng.int(entries));
      if (kind === 2) Atomics.store(words, W.SQ_HEAD, rng.next() | 0); // sq_head belongs to the device
      if (kind === 3) Atomics.store(words, W.CQ_HEAD, rng.next() | 0); // a cq_head the device never posted to
      if (kind === 4) for (let k = 0; k < words.length; k++) if (rng.int(4) === 0) Atomics.store(words, k, rng.next() | 0);
      const submit = uapi.ioctl('OA_IOCTL_SUBMIT');
      check('SUBMIT', i, t.ioctl(submit.request(), submit.encode({ queue_id: q.queue_id, sq_tail: Atomics.load(words, W.SQ_TAIL) >>> 0 })).errno, ALLOWED.OA_IOCTL_SUBMIT);
      const destroy = uapi.ioctl('OA_IOCTL_DESTROY_QUEUE');
      check('DESTROY_QUEUE', i, t.ioctl(destroy.request(), destroy.encode({ queue_id: q.queue_id })).errno, ALLOWED.OA_IOCTL_DESTROY_QUEUE);
    } finally {
      for (const m of regions) m.close();
    }
  } finally {
    t.close();
  }
}

const summary = runFuzzInputs(
  {
    path: path!,
    bind,
    abuseRing,
    send: (t, i) => {
      const m = malformedIoctl(rng);
      const errno = t.ioctl(m.request, m.arg).errno;
      check(m.shape, i, errno, m.allowed, { request: `0x${m.request.toString(16)}`, bytes: m.arg.length });
      if (errno === undefined) for (const fd of returnedFds(m)) if (isOpenFd(fd)) closeFd(fd);
    },
  },
  count,
);
printLine({ summary });
process.exit(0);
