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
const O = {
  opcode: sqe.offsetOf('opcode'),
  flags: sqe.offsetOf('flags'),
  tag: sqe.offsetOf('tag'),
  srcHandle: sqe.offsetOf('src_handle'),
  dstHandle: sqe.offsetOf('dst_handle'),
  srcAddr: sqe.offsetOf('src_addr'),
  dstAddr: sqe.offsetOf('dst_addr'),
  srcLength: sqe.offsetOf('src_length'),
  dstLength: sqe.offsetOf('dst_length'),
  paramHandle: sqe.offsetOf('param_handle'),
  paramAddr: sqe.offsetOf('param_addr'),
  arg: sqe.offsetOf('arg'),
};

function ref(r: MemRef | undefined): [number, bigint] {
  if (!r) return [0, 0n];
  if ('address' in r) return [0, r.address];
  return [r.handle, BigInt(r.offset ?? 0)];
}

export function opcodeOf(op: OpName | number): number {
  if (typeof op === 'number') return op;
  const v = OPCODES[op];
  if (v === undefined) throw new RangeError(`unknown operation '${op}'; operations are ${Object.keys(OPCODES).join(', ')}`);
  return v;
}

/** Writes a whole 64-byte entry (every field, zeros included) at `at`. */
export function encodeCommand(v: DataView, at: number, c: Command, tag: number): void {
  const [sh, sa] = ref(c.src);
  const [dh, da] = ref(c.dst);
  const [ph, pa] = ref(c.param);
  v.setUint32(at, 0, true); // opcode, flags, reserved0
  v.setUint8(at + O.opcode, opcodeOf(c.op));
  v.setUint8(at + O.flags, c.fence ? 1 : 0);
  v.setUint32(at + O.tag, tag, true);
  v.setUint32(at + O.srcHandle, sh, true);
  v.setUint32(at + O.dstHandle, dh, true);
  v.setBigUint64(at + O.srcAddr, sa, true);
  v.setBigUint64(at + O.dstAddr, da, true);
  v.setUint32(at + O.srcLength, c.srcLength ?? 0, true);
  v.setUint32(at + O.dstLength, c.dstLength ?? 0, true);
  v.setUint32(at + O.paramHandle, ph, true);
  v.setUint32(at + O.paramHandle + 4, 0, true);
  v.setBigUint64(at + O.paramAddr, pa, true);
  v.setBigUint64(at + O.arg, BigInt(c.arg ?? 0), true);
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
