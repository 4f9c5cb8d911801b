/** 2.0 capability, function and memory-kind words, from the spec's own names (OA_CAP_SVA -> sva). */
import { openaccelV2 } from '@openaccel/uapi';

const word = (name: string, prefix: RegExp) => name.replace(prefix, '').toLowerCase();

/** oa_caps bits as words, by bit: sva, dmabuf_import, ..., syncobj, syncobj_timeline, mmio_doorbell, cq_tail. */
export const ACCEL_CAP_WORDS: readonly string[] = (() => {
  const out: string[] = [];
  for (const b of openaccelV2.flags.find((f) => f.name === 'oa_caps')!.bits) out[b.bit] = word(b.name, /^OA_CAP_/);
  return out;
})();

/** Opcode names as words, by value: nop, copy, ..., aes_gcm_decrypt. */
export const ACCEL_FUNCTION_WORDS: ReadonlyMap<number, string> = new Map(openaccelV2.opcodes.map((o) => [o.value, word(o.name, /^OA_OP_/)]));

/** oa_memory_kind values as words: ddr, hbm, sram, cxl. */
export const ACCEL_MEMORY_KINDS: ReadonlyMap<number, string> = new Map(
  openaccelV2.enums.find((e) => e.name === 'oa_memory_kind')!.entries.map((e) => [e.value, word(e.name, /^OA_MEMORY_/)]),
);

/** The value of one flag of a 2.0 flag set (OA_BIND_SVA, OA_QUEUE_SYNCOBJ, ...). */
export function accelFlag(set: string, name: string): number {
  const bit = openaccelV2.flags.find((f) => f.name === set)?.bits.find((b) => b.name === name)?.bit;
  if (bit === undefined) throw new RangeError(`no flag ${name} in ${set}`);
  return 2 ** bit;
}
