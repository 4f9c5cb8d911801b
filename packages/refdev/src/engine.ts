/**
 * A device's engine thread: polls the doorbells of its queues, executes commands and posts
 * completions (spec rules ring.*). It spins while there is work and for `spinNs` after, then sets
 * OA_DOORBELL_NEED_WAKEUP on every queue and sleeps until the control thread wakes it.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { addressOf, readProcessMemory, signalEventfd, writeProcessMemory } from '@openaccel/sys';
import { DOORBELL_ERROR as QUEUE_ERROR, DOORBELL_NEED_WAKEUP as NEED_WAKEUP, DOORBELL_WORDS as W } from '@openaccel/uapi';
import koffi from 'koffi';
import { CTL_MAIL, CTL_WAKE, type EngineInit, type EngineRequest } from './engine-protocol.js';
import * as fn from './functions.js';

const init = workerData as EngineInit;
const port = parentPort!;
const ctl = new Int32Array(init.control);
const fault = new Set(init.faults);

const SQE = 64;
const CQE = 16;

interface Queue {
  key: number;
  ctx: number;
  db: Int32Array;
  sq: DataView;
  sqEntries: number;
  cq: DataView;
  cqWords: Int32Array;
  cqEntries: number;
  sqHead: number;
  cqTail: number;
  eventfd: number;
  waitFor: number | undefined;
  stopped: boolean;
}

interface Handle {
  bytes: Uint8Array;
}

interface Context {
  handles: Map<number, Handle>;
  svaPid: number;
}

const queues: Queue[] = [];
let executed = 0;
const contexts = new Map<number, Context>();
let mailSeen = 0;
let stopping = false;

function context(id: number): Context {
  let c = contexts.get(id);
  if (!c) contexts.set(id, (c = { handles: new Map(), svaPid: 0 }));
  return c;
}

function view(address: bigint, length: number): ArrayBuffer {
  return koffi.view(address, length) as ArrayBuffer;
}

function apply(m: EngineRequest): void {
  switch (m.op) {
    case 'addQueue': {
      const cqBuf = view(m.cq, m.cqEntries * CQE);
      queues.push({
        key: m.key,
        ctx: m.ctx,
        db: new Int32Array(view(m.db, 256)),
        sq: new DataView(view(m.sq, m.sqEntries * SQE)),
        sqEntries: m.sqEntries,
        cq: new DataView(cqBuf),
        cqWords: new Int32Array(cqBuf),
        cqEntries: m.cqEntries,
        sqHead: 0,
        cqTail: 0,
        eventfd: -1,
        waitFor: undefined,
        stopped: false,
      });
      context(m.ctx);
      break;
    }
    case 'removeQueue': {
      const i = queues.findIndex((q) => q.key === m.key);
      if (i >= 0) queues.splice(i, 1);
      break;
    }
    case 'setEventfd': {
      const q = queues.find((x) => x.key === m.key);
      if (q) q.eventfd = m.fd;
      break;
    }
    case 'addHandle':
      context(m.ctx).handles.set(m.handle, { bytes: new Uint8Array(view(m.address, m.length)) });
      break;
    case 'removeHandle':
      contexts.get(m.ctx)?.handles.delete(m.handle);
      break;
    case 'bindSva':
      context(m.ctx).svaPid = m.pid;
      break;
    case 'waitFor': {
      const q = queues.find((x) => x.key === m.key);
      if (q) q.waitFor = m.cqTail;
      if (q) checkWaiter(q);
      else port.postMessage({ progress: m.key });
      break;
    }
    case 'stop':
      stopping = true;
      break;
  }
  port.postMessage({ ack: m.seq });
}

function drainMail(): void {
  for (let msg; (msg = receiveMessageOnPort(port as never)); ) apply(msg.message as EngineRequest);
}

// ---- memory resolution: handles and SVA addresses, checked before anything is touched

type Region = { bytes: Uint8Array } | { pid: number; address: bigint; length: number };
const FAULT = Symbol('fault');

function region(ctx: Context, handle: number, address: bigint, length: number): Region | typeof FAULT {
  if (handle === 0) {
    if (!ctx.svaPid) return FAULT;
    if (length === 0) return { bytes: new Uint8Array(0) };
    return { pid: ctx.svaPid, address, length };
  }
  const h = ctx.handles.get(handle);
  if (!h || address + BigInt(length) > BigInt(h.bytes.length)) return FAULT;
  return { bytes: h.bytes.subarray(Number(address), Number(address) + length) };
}

function scratch(length: number): Buffer {
  // Off-heap (larger than 64 bytes) so its address is stable for process_vm_*.
  return Buffer.allocUnsafeSlow(Math.max(length, 128)).subarray(0, length);
}

/** The bytes of a region (a copy for SVA); FAULT when the process memory is not readable. */
function load(r: Region): Uint8Array | typeof FAULT {
  if ('bytes' in r) return r.bytes;
  const buf = scratch(r.length);
  return readProcessMemory(r.pid, r.address, addressOf(buf), r.length) === r.length ? buf : FAULT;
}

/** Whether a destination is writable as a whole, checked before the command runs. */
function probe(r: Region): boolean {
  if ('bytes' in r) return true;
  const buf = scratch(r.length);
  return readProcessMemory(r.pid, r.address, addressOf(buf), r.length) === r.length && writeProcessMemory(r.pid, r.address, addressOf(buf), r.length) === r.length;
}

function store(r: Region, data: Uint8Array, at = 0): boolean {
  if ('bytes' in r) {
    r.bytes.set(data, at);
    return true;
  }
  const buf = scratch(data.length);
  buf.set(data);
  return writeProcessMemory(r.pid, r.address + BigInt(at), addressOf(buf), data.length) === data.length;
}

// ---- command execution

const USES: Record<number, { src: boolean; dst: boolean; param: boolean; arg: boolean }> = {
  [fn.OP.NOP]: { src: false, dst: false, param: false, arg: false },
  [fn.OP.COPY]: { src: true, dst: true, param: false, arg: false },
  [fn.OP.FILL]: { src: false, dst: true, param: false, arg: true },
  [fn.OP.CRC32C]: { src: true, dst: false, param: false, arg: true },
  [fn.OP.SHA256]: { src: true, dst: true, param: false, arg: false },
  [fn.OP.DEFLATE]: { src: true, dst: true, param: false, arg: true },
  [fn.OP.INFLATE]: { src: true, dst: true, param: false, arg: false },
  [fn.OP.AES_GCM_ENCRYPT]: { src: true, dst: true, param: true, arg: false },
  [fn.OP.AES_GCM_DECRYPT]: { src: true, dst: true, param: true, arg: false },
};

interface Sqe {
  opcode: number;
  flags: number;
  reserved0: number;
  tag: number;
  srcHandle: number;
  dstHandle: number;
  srcAddr: bigint;
  dstAddr: bigint;
  srcLength: number;
  dstLength: number;
  paramHandle: number;
  reserved1: number;
  paramAddr: bigint;
  arg: bigint;
}

function readSqe(v: DataView, at: number): Sqe {
  return {
    opcode: v.getUint8(at),
    flags: v.getUint8(at + 1),
    reserved0: v.getUint16(at + 2, true),
    tag: v.getUint32(at + 4, true),
    srcHandle: v.getUint32(at + 8, true),
    dstHandle: v.getUint32(at + 12, true),
    srcAddr: v.getBigUint64(at + 16, true),
    dstAddr: v.getBigUint64(at + 24, true),
    srcLength: v.getUint32(at + 32, true),
    dstLength: v.getUint32(at + 36, true),
    paramHandle: v.getUint32(at + 40, true),
    reserved1: v.getUint32(at + 44, true),
    paramAddr: v.getBigUint64(at + 48, true),
    arg: v.getBigUint64(at + 56, true),
  };
}

type Outcome = { status: number; result: number };
const st = (status: number, result = 0): Outcome => ({ status, result });

function execute(ctx: Context, s: Sqe): Outcome {
  if (s.opcode > 63 || !((init.functions >> BigInt(s.opcode)) & 1n) || !USES[s.opcode]) return st(fn.STATUS.INVALID_OPCODE);
  if (s.flags & ~1 || s.reserved0 || s.reserved1) return st(fn.STATUS.INVALID_FIELD);
  const u = USES[s.opcode]!;
  if (!u.src && (s.srcHandle || s.srcAddr || s.srcLength)) return st(fn.STATUS.INVALID_FIELD);
  if (!u.dst && (s.dstHandle || s.dstAddr || s.dstLength)) return st(fn.STATUS.INVALID_FIELD);
  if (!u.param && (s.paramHandle || s.paramAddr)) return st(fn.STATUS.INVALID_FIELD);
  if (!u.arg && s.arg) return st(fn.STATUS.INVALID_FIELD);
  if (s.srcLength > init.maxTransferBytes || s.dstLength > init.maxTransferBytes) return st(fn.STATUS.INVALID_FIELD);
  if (s.opcode === fn.OP.NOP) return st(fn.STATUS.OK);
  const src = u.src ? region(ctx, s.srcHandle, s.srcAddr, s.srcLength) : undefined;
  const dst = u.dst ? region(ctx, s.dstHandle, s.dstAddr, s.dstLength) : undefined;
  const param = u.param ? region(ctx, s.paramHandle, s.paramAddr, 64) : undefined;
  if (src === FAULT && dst !== FAULT && dst && fault.has('fault-partial-write')) store(dst, new Uint8Array(Math.min(s.dstLength, 64)));
  if (src === FAULT || dst === FAULT || param === FAULT) return st(fn.STATUS.ADDRESS_FAULT);
  if (dst && !probe(dst)) return st(fn.STATUS.ADDRESS_FAULT);
  if (param && !probe(param)) return st(fn.STATUS.ADDRESS_FAULT);
  const input = src ? load(src) : new Uint8Array(0);
  if (input === FAULT) {
    if (fault.has('fault-partial-write') && dst) store(dst, new Uint8Array(Math.min(s.dstLength, 64)));
    return st(fn.STATUS.ADDRESS_FAULT);
  }
  switch (s.opcode) {
    case fn.OP.COPY:
      if (s.dstLength < s.srcLength) return st(fn.STATUS.DST_TOO_SMALL);
      return store(dst!, input) ? st(fn.STATUS.OK, s.srcLength) : st(fn.STATUS.ADDRESS_FAULT);
    case fn.OP.FILL: {
      const out = new Uint8Array(s.dstLength);
      fn.fill(out, s.arg);
      return store(dst!, out) ? st(fn.STATUS.OK, s.dstLength) : st(fn.STATUS.ADDRESS_FAULT);
    }
    case fn.OP.CRC32C: {
      if (s.arg >> 32n) return st(fn.STATUS.INVALID_FIELD);
      const crc = fn.crc32c(input, Number(s.arg));
      return st(fn.STATUS.OK, fault.has('crc-no-final-xor') ? ~crc >>> 0 : crc);
    }
    case fn.OP.SHA256:
      if (s.dstLength < 32) return st(fn.STATUS.DST_TOO_SMALL);
      return store(dst!, fn.sha256(input)) ? st(fn.STATUS.OK, 32) : st(fn.STATUS.ADDRESS_FAULT);
    case fn.OP.DEFLATE:
    case fn.OP.INFLATE: {
      const p = s.opcode === fn.OP.DEFLATE ? fn.deflate(input, s.arg, s.dstLength) : fn.inflate(input, s.dstLength);
      if (!('output' in p)) return st(p.status);
      return store(dst!, p.output) ? st(fn.STATUS.OK, p.output.length) : st(fn.STATUS.ADDRESS_FAULT);
    }
    case fn.OP.AES_GCM_ENCRYPT:
    case fn.OP.AES_GCM_DECRYPT: {
      if (s.dstLength < s.srcLength) return st(fn.STATUS.DST_TOO_SMALL);
      const block = load(param!);
      if (block === FAULT) return st(fn.STATUS.ADDRESS_FAULT);
      const p = fn.parseAesGcmParams(block);
      if (!p) return st(fn.STATUS.INVALID_FIELD);
      if (s.opcode === fn.OP.AES_GCM_ENCRYPT) {
        const { output, tag } = fn.aesGcmEncrypt(p, input);
        return store(dst!, output) && store(param!, tag, 48) ? st(fn.STATUS.OK, output.length) : st(fn.STATUS.ADDRESS_FAULT);
      }
      const plain = fn.aesGcmDecrypt(p, input);
      if (!plain) {
        store(dst!, new Uint8Array(s.srcLength));
        return st(fn.STATUS.AUTH_FAILED);
      }
      return store(dst!, plain) ? st(fn.STATUS.OK, plain.length) : st(fn.STATUS.ADDRESS_FAULT);
    }
  }
  return st(fn.STATUS.INVALID_OPCODE);
}

// ---- the rings

function checkWaiter(q: Queue): void {
  if (q.waitFor !== undefined && ((q.cqTail - q.waitFor) | 0) >= 0) {
    q.waitFor = undefined;
    port.postMessage({ progress: q.key });
  }
}

function post(q: Queue, tag: number, o: Outcome): void {
  const slot = q.cqTail & (q.cqEntries - 1);
  const at = slot * CQE;
  q.cq.setUint32(at, tag, true);
  q.cq.setUint32(at + 4, o.result >>> 0, true);
  q.cq.setUint32(at + 8, o.status, true);
  const phase = fault.has('no-phase-flip') || ((q.cqTail / q.cqEntries) & 1) === 0 ? 1 : 0;
  Atomics.store(q.cqWords, slot * 4 + 3, phase); // publishes the entry (release)
  q.cqTail = (q.cqTail + 1) >>> 0;
  Atomics.store(q.db, W.CQ_TAIL, q.cqTail);
}

/** Runs what the queue's doorbell publishes; returns whether anything was done. */
function service(q: Queue): boolean {
  if (q.stopped) return false;
  const tail = Atomics.load(q.db, W.SQ_TAIL) >>> 0;
  if (tail === q.sqHead) return false;
  if (((tail - q.sqHead) >>> 0) > q.sqEntries) {
    // The user published more than the ring holds: stop the queue rather than read garbage.
    q.stopped = true;
    Atomics.or(q.db, W.FLAGS, QUEUE_ERROR);
    return true;
  }
  const ctx = contexts.get(q.ctx)!;
  let posted = 0;
  while (q.sqHead !== tail && posted < 256) {
    const cqHead = Atomics.load(q.db, W.CQ_HEAD) >>> 0;
    if (((q.cqTail - cqHead) >>> 0) >= q.cqEntries && !fault.has('overwrite-full-cq')) break; // CQ full: take no more commands (ring.release-cq)
    const s = readSqe(q.sq, (q.sqHead & (q.sqEntries - 1)) * SQE);
    q.sqHead = (q.sqHead + 1) >>> 0;
    Atomics.store(q.db, W.SQ_HEAD, q.sqHead);
    let o: Outcome;
    try {
      o = execute(ctx, s);
    } catch {
      o = st(fn.STATUS.DEVICE_ERROR);
    }
    if (fault.has('slow-doorbell')) for (const until = process.hrtime.bigint() + 50_000n; process.hrtime.bigint() < until; );
    if (!(fault.has('lost-completion') && ++executed % 200 === 0)) post(q, s.tag, o);
    posted++;
  }
  if (posted) {
    if (Atomics.load(q.db, W.CQ_ARMED) !== 0) {
      Atomics.store(q.db, W.CQ_ARMED, 0);
      if (q.eventfd >= 0) signalEventfd(q.eventfd);
    }
    checkWaiter(q);
  }
  return true;
}

function hasWork(): boolean {
  if (Atomics.load(ctl, CTL_MAIL) !== mailSeen) return true;
  for (const q of queues) if (!q.stopped && Atomics.load(q.db, W.SQ_TAIL) >>> 0 !== q.sqHead) return true;
  return false;
}

function sleep(): void {
  const wake = Atomics.load(ctl, CTL_WAKE);
  for (const q of queues) Atomics.or(q.db, W.FLAGS, NEED_WAKEUP);
  // Re-check after publishing NEED_WAKEUP (a seq_cst RMW): a doorbell stored before it is seen here,
  // one stored after it sees the flag and rings by system call (ring.wakeup).
  if (!hasWork()) Atomics.wait(ctl, CTL_WAKE, wake);
  for (const q of queues) Atomics.and(q.db, W.FLAGS, ~NEED_WAKEUP);
}

function run(): void {
  const spinNs = BigInt(init.spinNs);
  let idleSince = 0n;
  let n = 0;
  while (!stopping) {
    const mail = Atomics.load(ctl, CTL_MAIL);
    if (mail !== mailSeen) {
      mailSeen = mail;
      drainMail();
      continue;
    }
    let worked = false;
    for (let i = 0; i < queues.length; i++) if (service(queues[i]!)) worked = true;
    if (worked) {
      idleSince = 0n;
      continue;
    }
    if ((++n & 63) !== 0) continue; // read the clock only now and then
    const now = process.hrtime.bigint();
    if (idleSince === 0n) idleSince = now;
    else if (now - idleSince > spinNs) {
      sleep();
      idleSince = 0n;
    }
  }
}

run();
