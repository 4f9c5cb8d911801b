/**
 * The doorbell page as 32-bit word indices (byte offset / 4), derived from struct oa_doorbell, for code
 * that reads and writes it with Atomics on an Int32Array.
 */
import { openaccelV1 } from '../v1/index.js';
import { uapi } from './uapi.js';

const db = uapi.struct('oa_doorbell');

export const DOORBELL_WORDS = Object.freeze({
  SQ_TAIL: db.offsetOf('sq_tail') / 4,
  CQ_HEAD: db.offsetOf('cq_head') / 4,
  CQ_ARMED: db.offsetOf('cq_armed') / 4,
  SQ_HEAD: db.offsetOf('sq_head') / 4,
  CQ_TAIL: db.offsetOf('cq_tail') / 4,
  FLAGS: db.offsetOf('flags') / 4,
});

const bit = (name: string) => 1 << openaccelV1.flags.find((f) => f.name === 'oa_doorbell_flags')!.bits.find((b) => b.name === name)!.bit;

/** OA_DOORBELL_* bits of the flags word. */
export const DOORBELL_NEED_WAKEUP = bit('OA_DOORBELL_NEED_WAKEUP');
export const DOORBELL_ERROR = bit('OA_DOORBELL_ERROR');
