import { openaccelV1 } from '@openaccel/uapi';

/** oa_caps bits as capability words, by bit: sva, dmabuf_import, ... */
export const CAP_WORDS_FROM_SPEC: readonly string[] = (() => {
  const bits = openaccelV1.flags.find((f) => f.name === 'oa_caps')!.bits;
  const out: string[] = [];
  for (const b of bits) out[b.bit] = b.name.replace(/^OA_CAP_/, '').toLowerCase();
  return out;
})();

/** Opcodes as function words, by opcode value. */
export const FUNCTION_WORDS_FROM_SPEC: readonly string[] = (() => {
  const out: string[] = [];
  for (const o of openaccelV1.opcodes) out[o.value] = o.name.replace(/^OA_OP_/, '').toLowerCase();
  return out;
})();
