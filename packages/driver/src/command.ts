/** Commands as a caller writes them, and their encoding into an SQ slot (struct oa_sqe). */
import { openaccelV1, uapi } from '@openaccel/uapi';

export type OpName = 'nop' | 'copy' | 'fill' | 'crc32c' | 'sha256' | 'deflate' | 'inflate' | 'aes_gcm_encrypt' | 'aes_gcm_decrypt';

/** Memory a command names: a handle (device memory or an imported dma-buf) and an offset, or an SVA address. */
export type MemRef = { handle: number; offset?: number | bigint } | { address: bigint };

export interface Command {
  op: OpName | number;
  /** OA_SQE_FENCE: start only after every earlier command of the queue completed. */
  fence?: boolean;
  src?: MemRef;
  srcLength?: number;
  dst?: MemRef;
  dstLength?: number;
  param?: MemRef;
  arg?: bigint | number;
}

export const OPCODES: Readonly<Record<string, number>> = Object.fromEntries(openaccelV1.opcodes.map((o) => [o.name.replace(/^OA_OP_/, '').toLowerCase(), o.value]));
export const STATUS_NAMES: readonly string[] = openaccelV1.enums.find((e) => e.name === 'oa_status')!.entries.map((e) => e.name.replace(/^OA_STATUS_/, ''));

const sqe = uapi.struct('oa_sqe');
const word = (field: Parameters<typeof sqe.offsetOf>[0]) => sqe.offsetOf(field) / 4;
/** Words of an entry; a u64 field is its low word, the high word follows. */
export const SQE_WORDS = sqe.sizeBytes / 4;
const S = {
  tag: word('tag'),
  srcHandle: word('src_handle'),
  dstHandle: word('dst_handle'),
  srcAddr: word('src_addr'),
  dstAddr: word('dst_addr'),
  srcLength: word('src_length'),
  dstLength: word('dst_length'),
  paramHandle: word('param_handle'),
  paramAddr: word('param_addr'),
  arg: word('arg'),
};
/** The word of an entry holding the tag (a prepared command leaves it for submit to fill). */
export const SQE_TAG_WORD = S.tag;

const TWO_32 = 2 ** 32;

/** A u64 as two words; integers wrap modulo 2^64 as a u64 store does. */
function put64(w: Uint32Array, at: number, v: number | bigint): void {
  if (typeof v === 'number' && v >= 0 && Number.isSafeInteger(v)) {
    w[at] = v >>> 0;
    w[at + 1] = Math.floor(v / TWO_32) >>> 0;
    return;
  }
  const b = BigInt(v); // RangeError for a fraction, as before
  w[at] = Number(b & 0xffffffffn);
  w[at + 1] = Number((b >> 32n) & 0xffffffffn);
}

function putRef(w: Uint32Array, at: number, handleWord: number, addrWord: number, r: MemRef | undefined): void {
  if (!r) {
    w[at + handleWord] = 0;
    w[at + addrWord] = 0;
    w[at + addrWord + 1] = 0;
  } else if ('address' in r) {
    w[at + handleWord] = 0;
    put64(w, at + addrWord, r.address);
  } else {
    w[at + handleWord] = r.handle;
    put64(w, at + addrWord, r.offset ?? 0);
  }
}

export function opcodeOf(op: OpName | number): number {
  if (typeof op === 'number') return op;
  const v = OPCODES[op];
  if (v === undefined) throw new RangeError(`unknown operation '${op}'; operations are ${Object.keys(OPCODES).join(', ')}`);
  return v;
}

/**
 * The SQE layout of a uAPI version. Only the first word differs: 1.0 has opcode u8, flags u8 and
 * reserved0 u16; 2.0 opcode u16 and flags u16 (its opcode space is not capped). The rest is the same.
 */
export type SqeAbi = 1 | 2;

/** The first word of an entry: opcode and flags (OA_SQE_FENCE is bit 0 of flags in both versions). */
function opWord(c: Command, abi: SqeAbi): number {
  const op = opcodeOf(c.op);
  if (abi === 1) return (op & 0xff) | (c.fence ? 1 << 8 : 0);
  return ((op & 0xffff) | (c.fence ? 1 << 16 : 0)) >>> 0;
}

/** Writes a whole entry (every word, zeros included) as words at word index `at`, in the layout of `abi` (default 1.0). */
export function encodeCommandWords(w: Uint32Array, at: number, c: Command, tag: number, abi: SqeAbi = 1): void {
  for (let i = 0; i < SQE_WORDS; i++) w[at + i] = 0;
  w[at] = opWord(c, abi);
  w[at + S.tag] = tag;
  putRef(w, at, S.srcHandle, S.srcAddr, c.src);
  putRef(w, at, S.dstHandle, S.dstAddr, c.dst);
  putRef(w, at, S.paramHandle, S.paramAddr, c.param);
  w[at + S.srcLength] = c.srcLength ?? 0;
  w[at + S.dstLength] = c.dstLength ?? 0;
  if (c.arg !== undefined) put64(w, at + S.arg, c.arg);
}

const scratch = new Uint32Array(SQE_WORDS);

/** Writes a whole 64-byte entry (every field, zeros included) at byte `at` of a view, in the layout of `abi` (default 1.0). */
export function encodeCommand(v: DataView, at: number, c: Command, tag: number, abi: SqeAbi = 1): void {
  encodeCommandWords(scratch, 0, c, tag, abi);
  for (let i = 0; i < SQE_WORDS; i++) v.setUint32(at + i * 4, scratch[i]!, true);
}

/**
 * A command encoded once and submitted any number of times: submit copies its words into the SQ slot
 * and adds the tag, with no object, string lookup or BigInt on the way (the fast path).
 */
export class PreparedCommand {
  /** The entry as words; the tag word is filled at submission. Change it through the setters only. */
  readonly words = new Uint32Array(SQE_WORDS);
  /** Bumped by every change, so a queue knows whether an SQ slot still holds these words. */
  version = 0;

  /** `abi` is the uAPI the command is for: 1 (a 1.0 Queue, the default) or 2 (an AccelQueue). */
  constructor(
    cmd: Command,
    readonly abi: SqeAbi = 1,
  ) {
    encodeCommandWords(this.words, 0, cmd, 0, abi);
  }

  /** Points the source somewhere else (a reused descriptor). */
  setSource(ref: MemRef, length: number): this {
    putRef(this.words, 0, S.srcHandle, S.srcAddr, ref);
    this.words[S.srcLength] = length;
    this.version++;
    return this;
  }

  setDestination(ref: MemRef, length: number): this {
    putRef(this.words, 0, S.dstHandle, S.dstAddr, ref);
    this.words[S.dstLength] = length;
    this.version++;
    return this;
  }

  setArg(arg: bigint | number): this {
    put64(this.words, S.arg, arg);
    this.version++;
    return this;
  }
}

export interface Completion {
  tag: number;
  /** oa_status value; 0 = OK. */
  status: number;
  /** Status name without prefix: OK, ADDRESS_FAULT, ... */
  statusName: string;
  result: number;
  ok: boolean;
}
