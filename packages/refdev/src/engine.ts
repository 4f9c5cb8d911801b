/**
 * A device's engine thread: polls the doorbells of its queues, executes commands and posts
 * completions (spec rules ring.*). It spins while there is work and for `spinNs` after, then sets
 * OA_DOORBELL_NEED_WAKEUP on every queue and sleeps until the control thread wakes it.
 *
 * Sharing: contexts take turns, each turn bounded in commands and bytes, so one context's long
 * commands delay another's by at most one command (issue #13 item 9). Queues idle for a while are
 * looked at only on every COLD_EVERY-th pass. The fast path (a NOP) allocates nothing: the entry is
 * copied into one reused word array and the completion written as words.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { signalEventfd } from '@openaccel/sys';
import { DOORBELL_ERROR as QUEUE_ERROR, DOORBELL_NEED_WAKEUP as NEED_WAKEUP, uapi } from '@openaccel/uapi';
import koffi from 'koffi';
import { CTL_MAIL, CTL_WAKE, type EngineInit, type EngineRequest } from './engine-protocol.js';
import { FAULT, load, probe, region, releaseBounceBuffers, store, type Region } from './engine-memory.js';
import { PoisonRanges, queueWords, TailWatches, takeArm, type QueueWords } from './engine-queue-words.js';
import * as fn from './functions.js';

const init = workerData as EngineInit;
const port = parentPort!;
const ctl = new Int32Array(init.control);
const fault = new Set(init.faults);
const SLOW_DOORBELL = fault.has('slow-doorbell');
const LOST_COMPLETION = fault.has('lost-completion');
const OVERWRITE_FULL_CQ = fault.has('overwrite-full-cq');
const NO_PHASE_FLIP = fault.has('no-phase-flip');

/** A context's turn ends after this many commands... */
const TURN_COMMANDS = 256;
/** ...or once its commands moved this many bytes (at least one command runs per turn). */
const TURN_BYTES = 256 << 10;
/** A queue with nothing for this many passes is idle: looked at only on every COLD_EVERY-th pass. */
const IDLE_PASSES = 4096;
const COLD_EVERY = 16;

const sqe = uapi.struct('oa_sqe');
const SQE_BYTES = sqe.sizeBytes;
const SQE_WORDS = SQE_BYTES / 4;
const sqeWord = (field: Parameters<typeof sqe.offsetOf>[0]) => sqe.offsetOf(field) / 4;
/** Word indexes of oa_sqe (u64 fields: the low word; the high word follows). */
const S = {
  head: 0, // opcode u8, flags u8, reserved0 u16
  tag: sqeWord('tag'),
  srcHandle: sqeWord('src_handle'),
  dstHandle: sqeWord('dst_handle'),
  srcAddr: sqeWord('src_addr'),
  dstAddr: sqeWord('dst_addr'),
  srcLength: sqeWord('src_length'),
  dstLength: sqeWord('dst_length'),
  paramHandle: sqeWord('param_handle'),
  reserved1: sqeWord('reserved1'),
  paramAddr: sqeWord('param_addr'),
  arg: sqeWord('arg'),
};
const CQE_WORDS = uapi.struct('oa_cqe').sizeBytes / 4;

interface Context {
  id: number;
  handles: Map<number, Uint8Array>;
  /** The bound process's memory fd (owned by the control thread), or -1 without SVA. */
  svaMem: number;
  queues: Queue[];
  /** Where the next turn starts among the queues. */
  next: number;
  /** 2.0: engine time per opcode in ns, read by fdinfo. */
  engineNs?: BigInt64Array;
}

interface Queue extends QueueWords {
  key: number;
  ctx: Context;
  watches: TailWatches;
  /** CQEs posted with a status other than OK (watches report it, for syncobj signal points). */
  errors: number;
  poison: PoisonRanges;
  sq: Uint32Array;
  sqMask: number;
  sqEntries: number;
  cq: Int32Array;
  cqMask: number;
  cqShift: number;
  cqEntries: number;
  sqHead: number;
  cqTail: number;
  /** The last CQ head read from the doorbell: it is read again only when the CQ looks full. */
  cqHeadSeen: number;
  /** The engine's own sq_head for the control thread; the doorbell's copy is the user's to scribble on. */
  ownHead: Int32Array;
  eventfd: number;
  waitFor: number;
  waiting: boolean;
  stopped: boolean;
  idle: number;
}

const contexts = new Map<number, Context>();
/** Contexts with at least one queue, in turn order. */
const turns: Context[] = [];
let firstTurn = 0;
let mailSeen = 0;
let stopping = false;
let executed = 0;

function context(id: number): Context {
  let c = contexts.get(id);
  if (!c) contexts.set(id, (c = { id, handles: new Map(), svaMem: -1, queues: [], next: 0 }));
  return c;
}

/** Forgets a context the engine holds nothing of any more. */
function prune(c: Context): void {
  if (!c.queues.length && !c.handles.size && c.svaMem < 0) contexts.delete(c.id);
}

function view(address: bigint, length: number): ArrayBuffer {
  return koffi.view(address, length) as ArrayBuffer;
}

function findQueue(key: number): Queue | undefined {
  for (const c of turns) for (const q of c.queues) if (q.key === key) return q;
  return undefined;
}

function addQueue(m: Extract<EngineRequest, { op: 'addQueue' }>): void {
  const c = context(m.ctx);
  if (m.v2) c.engineNs = new BigInt64Array(m.v2.engineNs);
  c.queues.push({
    key: m.key,
    ctx: c,
    ...queueWords(m, view),
    watches: new TailWatches(),
    errors: 0,
    poison: new PoisonRanges(),
    sq: new Uint32Array(view(m.sq, m.sqEntries * SQE_BYTES)),
    sqMask: m.sqEntries - 1,
    sqEntries: m.sqEntries,
    cq: new Int32Array(view(m.cq, m.cqEntries * CQE_WORDS * 4)),
    cqMask: m.cqEntries - 1,
    cqShift: Math.log2(m.cqEntries),
    cqEntries: m.cqEntries,
    sqHead: 0,
    cqTail: 0,
    cqHeadSeen: 0,
    ownHead: new Int32Array(m.head),
    eventfd: -1,
    waitFor: 0,
    waiting: false,
    stopped: false,
    idle: 0,
  });
  if (c.queues.length === 1) turns.push(c);
}

function removeQueue(key: number): void {
  const q = findQueue(key);
  if (!q) return;
  endWatches(q);
  const c = q.ctx;
  c.queues.splice(c.queues.indexOf(q), 1);
  if (!c.queues.length) turns.splice(turns.indexOf(c), 1);
  prune(c);
}

function apply(m: EngineRequest): void {
  switch (m.op) {
    case 'addQueue':
      addQueue(m);
      break;
    case 'removeQueue':
      removeQueue(m.key);
      break;
    case 'setEventfd': {
      const q = findQueue(m.key);
      if (q) q.eventfd = m.fd;
      break;
    }
    case 'addHandle':
      context(m.ctx).handles.set(m.handle, new Uint8Array(view(m.address, m.length)));
      break;
    case 'removeHandle': {
      const c = contexts.get(m.ctx);
      if (c) (c.handles.delete(m.handle), prune(c));
      break;
    }
    case 'bindSva': {
      const c = context(m.ctx);
      c.svaMem = m.mem;
      prune(c);
      break;
    }
    case 'waitFor': {
      const q = findQueue(m.key);
      if (q) {
        q.waitFor = m.cqTail;
        q.waiting = !q.stopped;
        checkWaiter(q);
      }
      if (!q || q.stopped) port.postMessage({ progress: m.key }); // gone or stopped: the waiter looks at the queue again
      break;
    }
    case 'watch': {
      const q = findQueue(m.key);
      if (!q || q.stopped) port.postMessage({ reached: m.id, errors: -1 });
      else if (((q.cqTail - m.cqTail) | 0) >= 0) port.postMessage({ reached: m.id, errors: q.errors });
      else q.watches.add(m.id, m.cqTail);
      break;
    }
    case 'poison': {
      const q = findQueue(m.key);
      if (q) q.poison.add(m.from, m.to);
      break;
    }
    case 'unwatch':
      for (const c of turns) for (const q of c.queues) q.watches.remove(m.id);
      break;
    case 'stop':
      stopping = true;
      break;
  }
  port.postMessage({ ack: m.seq });
}

function drainMail(): void {
  for (let msg; (msg = receiveMessageOnPort(port as never)); ) apply(msg.message as EngineRequest);
}

// ---- command execution: the entry is copied into `cmd` first (rule ring.submit), then checked

const cmd = new Uint32Array(SQE_WORDS);
/** The result word of the command just executed (execute returns its status). */
let result = 0;
const supported = new Uint8Array(256);
for (let op = 0; op < 64; op++) if ((init.functions >> BigInt(op)) & 1n) supported[op] = 1;

const USES: readonly ({ src: boolean; dst: boolean; param: boolean; arg: boolean } | undefined)[] = (() => {
  const u: { src: boolean; dst: boolean; param: boolean; arg: boolean }[] = [];
  u[fn.OP.NOP] = { src: false, dst: false, param: false, arg: false };
  u[fn.OP.COPY] = { src: true, dst: true, param: false, arg: false };
  u[fn.OP.FILL] = { src: false, dst: true, param: false, arg: true };
  u[fn.OP.CRC32C] = { src: true, dst: false, param: false, arg: true };
  u[fn.OP.SHA256] = { src: true, dst: true, param: false, arg: false };
  u[fn.OP.DEFLATE] = { src: true, dst: true, param: false, arg: true };
  u[fn.OP.INFLATE] = { src: true, dst: true, param: false, arg: false };
  u[fn.OP.AES_GCM_ENCRYPT] = { src: true, dst: true, param: true, arg: false };
  u[fn.OP.AES_GCM_DECRYPT] = { src: true, dst: true, param: true, arg: false };
  return u;
})();

/**
 * Executes the (non-NOP) command in `cmd`; returns its status and leaves its result in `result`.
 * FENCE needs nothing: the commands of a queue run in order.
 */
function execute(ctx: Context, q: Queue): number {
  const head = cmd[S.head]!;
  const opcode = head & q.opMask;
  if (opcode > 0xff || !supported[opcode] || !USES[opcode]) return fn.STATUS.INVALID_OPCODE;
  if (head & q.badHead) return fn.STATUS.INVALID_FIELD; // flags other than FENCE, reserved0
  const u = USES[opcode]!;
  const srcLength = cmd[S.srcLength]!;
  const dstLength = cmd[S.dstLength]!;
  if (cmd[S.reserved1]) return fn.STATUS.INVALID_FIELD;
  if (!u.src && (cmd[S.srcHandle] || cmd[S.srcAddr] || cmd[S.srcAddr + 1] || srcLength)) return fn.STATUS.INVALID_FIELD;
  if (!u.dst && (cmd[S.dstHandle] || cmd[S.dstAddr] || cmd[S.dstAddr + 1] || dstLength)) return fn.STATUS.INVALID_FIELD;
  if (!u.param && (cmd[S.paramHandle] || cmd[S.paramAddr] || cmd[S.paramAddr + 1])) return fn.STATUS.INVALID_FIELD;
  if (!u.arg && (cmd[S.arg] || cmd[S.arg + 1])) return fn.STATUS.INVALID_FIELD;
  if (srcLength > init.maxTransferBytes || dstLength > init.maxTransferBytes) return fn.STATUS.INVALID_FIELD;
  const at = (h: number, w: number, length: number) => region(ctx.handles, ctx.svaMem, cmd[h]!, cmd[w]!, cmd[w + 1]!, length);
  const src = u.src ? at(S.srcHandle, S.srcAddr, srcLength) : undefined;
  const dst = u.dst ? at(S.dstHandle, S.dstAddr, dstLength) : undefined;
  const param = u.param ? at(S.paramHandle, S.paramAddr, 64) : undefined;
  if (src === FAULT && dst !== FAULT && dst && fault.has('fault-partial-write')) store(dst, new Uint8Array(Math.min(dstLength, 64)));
  if (src === FAULT || dst === FAULT || param === FAULT) return fn.STATUS.ADDRESS_FAULT;
  if (dst && !probe(dst)) return fn.STATUS.ADDRESS_FAULT;
  if (param && !probe(param)) return fn.STATUS.ADDRESS_FAULT;
  const input = src ? load(src) : new Uint8Array(0);
  if (input === FAULT) {
    if (fault.has('fault-partial-write') && dst) store(dst, new Uint8Array(Math.min(dstLength, 64)));
    return fn.STATUS.ADDRESS_FAULT;
  }
  const arg = () => (BigInt(cmd[S.arg + 1]!) << 32n) | BigInt(cmd[S.arg]!);
  const put = (r: Region, data: Uint8Array, status: number = fn.STATUS.OK, value = data.length): number => {
    if (!store(r, data)) return fn.STATUS.ADDRESS_FAULT;
    result = value;
    return status;
  };
  switch (opcode) {
    case fn.OP.COPY:
      if (dstLength < srcLength) return fn.STATUS.DST_TOO_SMALL;
      return put(dst!, input);
    case fn.OP.FILL: {
      const out = new Uint8Array(dstLength);
      fn.fill(out, arg());
      return put(dst!, out);
    }
    case fn.OP.CRC32C: {
      if (cmd[S.arg + 1]) return fn.STATUS.INVALID_FIELD;
      const crc = fn.crc32c(input, cmd[S.arg]!);
      result = fault.has('crc-no-final-xor') ? ~crc >>> 0 : crc;
      return fn.STATUS.OK;
    }
    case fn.OP.SHA256:
      if (dstLength < 32) return fn.STATUS.DST_TOO_SMALL;
      return put(dst!, fn.sha256(input));
    case fn.OP.DEFLATE:
    case fn.OP.INFLATE: {
      const p = opcode === fn.OP.DEFLATE ? fn.deflate(input, arg(), dstLength) : fn.inflate(input, dstLength);
      return 'output' in p ? put(dst!, p.output) : p.status;
    }
    case fn.OP.AES_GCM_ENCRYPT:
    case fn.OP.AES_GCM_DECRYPT: {
      if (dstLength < srcLength) return fn.STATUS.DST_TOO_SMALL;
      const block = load(param!, 'param');
      if (block === FAULT) return fn.STATUS.ADDRESS_FAULT;
      const p = fn.parseAesGcmParams(block);
      if (!p) return fn.STATUS.INVALID_FIELD;
      if (opcode === fn.OP.AES_GCM_ENCRYPT) {
        const { output, tag } = fn.aesGcmEncrypt(p, input);
        if (!store(dst!, output) || !store(param!, tag, 48)) return fn.STATUS.ADDRESS_FAULT;
        result = output.length;
        return fn.STATUS.OK;
      }
      const plain = fn.aesGcmDecrypt(p, input);
      if (!plain) {
        store(dst!, new Uint8Array(srcLength));
        return fn.STATUS.AUTH_FAILED;
      }
      return put(dst!, plain);
    }
  }
  return fn.STATUS.INVALID_OPCODE;
}

// ---- the rings

function checkWaiter(q: Queue): void {
  if (q.waiting && ((q.cqTail - q.waitFor) | 0) >= 0) {
    q.waiting = false;
    port.postMessage({ progress: q.key });
  }
}

/** Watches whose CQ tail was just reached, with the errors up to exactly that tail (called per completion). */
function checkWatches(q: Queue): void {
  const ids = q.watches.reached(q.cqTail);
  if (!ids.length) return;
  Atomics.store(q.cqTailOut, q.cqTailAt, q.cqTail); // the watcher reads the tail it was told about
  for (const id of ids) port.postMessage({ reached: id, errors: q.errors });
}

/** A stopped or removed queue ends every watch on it: the watchers look at the queue again. */
function endWatches(q: Queue): void {
  for (const id of q.watches.all()) port.postMessage({ reached: id, errors: -1 });
}

function post(q: Queue, tag: number, status: number, value: number): void {
  const slot = q.cqTail & q.cqMask;
  const at = slot * CQE_WORDS;
  q.cq[at] = tag;
  q.cq[at + 1] = value;
  q.cq[at + 2] = status;
  const phase = NO_PHASE_FLIP || ((q.cqTail >>> q.cqShift) & 1) === 0 ? 1 : 0;
  Atomics.store(q.cq, at + 3, phase); // publishes the entry (release)
  q.cqTail = (q.cqTail + 1) >>> 0;
  if (status !== fn.STATUS.OK) q.errors = (q.errors + 1) >>> 0;
  if (q.watches.size) checkWatches(q);
}

function publishHead(q: Queue): void {
  Atomics.store(q.headOut, q.headAt, q.sqHead);
  Atomics.store(q.ownHead, 0, q.sqHead);
}

/** Bytes the commands of the current turn moved. */
let turnBytes = 0;

/**
 * Entries taken from an SQ in one go, read once each before sq_head moves: a NOP is checked as it is
 * read (its tag and status kept), any other command is copied whole to run after.
 */
const stagedWords = new Uint32Array(TURN_COMMANDS * SQE_WORDS);
const stagedTag = new Uint32Array(TURN_COMMANDS);
/** The NOP's status, or RUN for a command copied to stagedWords. */
const stagedStatus = new Int32Array(TURN_COMMANDS);
const RUN = -1;

/** Reads one NOP entry at word `at` (each word once); returns its status. */
function checkNop(q: Queue, at: number): number {
  const sq = q.sq;
  const head = sq[at]!;
  if (!supported[fn.OP.NOP]) return fn.STATUS.INVALID_OPCODE;
  if (head & q.badHead) return fn.STATUS.INVALID_FIELD; // flags other than FENCE, reserved0
  let rest = 0;
  for (let i = 2; i < SQE_WORDS; i++) rest |= sq[at + i]!;
  return rest === 0 ? fn.STATUS.OK : fn.STATUS.INVALID_FIELD;
}

/** Runs at most `budget` of what the queue's doorbell publishes; returns how many commands ran. */
function service(q: Queue, budget: number): number {
  // A SUBMIT with an overrunning tail stops the queue in the flags word; the doorbell may hold a tail in
  // range again by the time the engine looks, and a stopped queue never runs another command (ring.overrun).
  if (Atomics.load(q.flags, q.flagsAt) & QUEUE_ERROR) {
    q.stopped = true;
    if (q.waiting) (q.waiting = false), port.postMessage({ progress: q.key });
    endWatches(q);
    return 0;
  }
  const tail = Atomics.load(q.tail, q.tailAt) >>> 0;
  if (tail === q.sqHead) {
    q.idle++;
    return 0;
  }
  q.idle = 0;
  if (q.fresh) {
    q.fresh = false;
    Atomics.and(q.flags, q.flagsAt, ~NEED_WAKEUP);
  }
  if (((tail - q.sqHead) >>> 0) > q.sqEntries) {
    // The user published more than the ring holds: stop the queue rather than read garbage.
    q.stopped = true;
    Atomics.or(q.flags, q.flagsAt, QUEUE_ERROR);
    // A SUBMIT waiting on this queue ends now (EIO) instead of at its timeout.
    if (q.waiting) (q.waiting = false), port.postMessage({ progress: q.key });
    endWatches(q);
    return 1;
  }
  // Take no more than the CQ has room for (ring.release-cq); the CQ head is read again only when needed.
  let cqRoom = q.cqEntries - ((q.cqTail - q.cqHeadSeen) >>> 0);
  if (cqRoom < budget) {
    q.cqHeadSeen = Atomics.load(q.cqHeadIn, q.cqHeadAt) >>> 0;
    cqRoom = OVERWRITE_FULL_CQ ? budget : q.cqEntries - ((q.cqTail - q.cqHeadSeen) >>> 0);
  }
  const take = Math.min((tail - q.sqHead) >>> 0, budget, Math.max(cqRoom, 0));
  // 2.0 (ring.cq-full): commands held by a full CQ are no work, so an engine with nothing else goes to sleep.
  if (take === 0 && q.armAck) {
    q.idle++;
    return 0;
  }
  const sq = q.sq;
  let n = 0;
  let staged = 0;
  for (; n < take && turnBytes < TURN_BYTES; n++) {
    const from = (q.sqHead & q.sqMask) * SQE_WORDS;
    q.sqHead = (q.sqHead + 1) >>> 0;
    const head = sq[from]!;
    stagedTag[n] = sq[from + S.tag]!;
    if (q.poison.size && q.poison.covers((q.sqHead - 1) >>> 0)) {
      stagedStatus[n] = fn.STATUS.DEVICE_ERROR; // a wait point of its batch signalled an error: not run (sync.points)
      continue;
    }
    if ((head & q.opMask) === fn.OP.NOP) {
      stagedStatus[n] = checkNop(q, from);
      continue;
    }
    const to = n * SQE_WORDS;
    stagedWords[to] = head;
    for (let i = 2; i < SQE_WORDS; i++) stagedWords[to + i] = sq[from + i]!;
    stagedStatus[n] = RUN;
    staged++;
    turnBytes += stagedWords[to + S.srcLength]! + stagedWords[to + S.dstLength]! + 1;
  }
  // The slots are free once read: sq_head moves before any command runs, so a client can refill the
  // ring while a long command works. A batch of NOPs only (each checked as it was read) completes first:
  // the client waits on the CQ, and the head stores, each a full barrier on a line the client reads,
  // would stand between the doorbell and the completion (rule ring.consume allows either order).
  // Watches are told of completions as they post, so a queue with watches keeps the head first.
  const headLate = staged === 0 && q.watches.size === 0;
  if (!headLate) publishHead(q);
  for (let k = 0; k < n; k++) {
    let status = stagedStatus[k]!;
    result = 0;
    if (status === RUN) {
      for (let i = 0; i < SQE_WORDS; i++) cmd[i] = stagedWords[k * SQE_WORDS + i]!;
      try {
        // Integer nanoseconds, as fdinfo counts them: no float clock to round and convert per command.
        const t0 = q.ctx.engineNs ? process.hrtime.bigint() : 0n;
        status = execute(q.ctx, q);
        if (q.ctx.engineNs) Atomics.add(q.ctx.engineNs, cmd[S.head]! & 0xff, process.hrtime.bigint() - t0);
      } catch {
        status = fn.STATUS.DEVICE_ERROR;
        result = 0;
      }
      releaseBounceBuffers();
    }
    if (SLOW_DOORBELL) for (const until = performance.now() + 0.05; performance.now() < until; );
    if (!(LOST_COMPLETION && ++executed % 200 === 0)) post(q, stagedTag[k]!, status, result);
  }
  if (headLate) publishHead(q);
  if (n) {
    Atomics.store(q.cqTailOut, q.cqTailAt, q.cqTail);
    if (takeArm(q) && q.eventfd >= 0) signalEventfd(q.eventfd);
    checkWaiter(q);
  }
  return Math.max(n, 1);
}

/** One context's turn; returns the commands it ran. */
function turn(c: Context, cold: boolean): number {
  turnBytes = 0;
  let ran = 0;
  const n = c.queues.length;
  for (let k = 0; k < n && ran < TURN_COMMANDS && turnBytes < TURN_BYTES; k++) {
    const q = c.queues[(c.next + k) % n]!;
    if (q.stopped || (q.idle >= IDLE_PASSES && !cold)) continue;
    ran += service(q, TURN_COMMANDS - ran);
  }
  c.next = n ? (c.next + 1) % n : 0;
  return ran;
}

/** Every context once, starting one further each pass; returns whether any command ran. */
function pass(cold: boolean): { worked: boolean; long: boolean } {
  let worked = false;
  let long = false;
  const n = turns.length;
  for (let k = 0; k < n; k++) {
    if (turn(turns[(firstTurn + k) % n]!, cold)) worked = true;
    if (turnBytes >= TURN_BYTES) long = true;
  }
  firstTurn = n ? (firstTurn + 1) % n : 0;
  lastPass.worked = worked;
  lastPass.long = long;
  return lastPass;
}
const lastPass = { worked: false, long: false };

function hasWork(): boolean {
  if (Atomics.load(ctl, CTL_MAIL) !== mailSeen) return true;
  for (const c of turns) for (const q of c.queues) if (!q.stopped && Atomics.load(q.tail, q.tailAt) >>> 0 !== q.sqHead && !cqFull(q)) return true;
  return false;
}

/** 2.0 only: whether the CQ has no room, cq_head reloaded. 1.0 has no wake-up for freed CQ space, so it is polled on. */
function cqFull(q: Queue): boolean {
  if (!q.armAck || OVERWRITE_FULL_CQ) return false;
  q.cqHeadSeen = Atomics.load(q.cqHeadIn, q.cqHeadAt) >>> 0;
  return ((q.cqTail - q.cqHeadSeen) >>> 0) >= q.cqEntries;
}

function everyQueue(f: (q: Queue) => void): void {
  for (const c of turns) for (const q of c.queues) f(q);
}

function sleep(): void {
  const wake = Atomics.load(ctl, CTL_WAKE);
  everyQueue((q) => Atomics.or(q.flags, q.flagsAt, NEED_WAKEUP));
  // Re-check after publishing NEED_WAKEUP (a seq_cst RMW): a doorbell stored before it is seen here,
  // one stored after it sees the flag and rings by system call (ring.wakeup).
  if (!hasWork()) Atomics.wait(ctl, CTL_WAKE, wake);
  everyQueue((q) => {
    Atomics.and(q.flags, q.flagsAt, ~NEED_WAKEUP);
    q.fresh = false;
    q.idle = 0; // whoever woke us is about to have work
  });
}

function run(): void {
  const spinMs = init.spinNs / 1e6;
  let idleSince = -1;
  let n = 0;
  let cold = true;
  while (!stopping) {
    const mail = Atomics.load(ctl, CTL_MAIL);
    if (mail !== mailSeen) {
      mailSeen = mail;
      drainMail();
      continue;
    }
    // Idle queues are looked at every COLD_EVERY passes, and after any pass with a long command.
    n++;
    const p = pass(cold || (n & (COLD_EVERY - 1)) === 0);
    cold = p.long;
    if (p.worked) {
      idleSince = -1;
      continue;
    }
    if ((n & 63) !== 0) continue; // read the clock only now and then
    const now = performance.now();
    if (idleSince < 0) idleSince = now;
    else if (now - idleSince > spinMs) {
      sleep();
      idleSince = -1;
    }
  }
}

port.postMessage({ ready: true });
run();
