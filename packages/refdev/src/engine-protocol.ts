/** Messages between the control thread and a device's engine thread. Every request is acknowledged. */

export type EngineRequest =
  | { op: 'addQueue'; seq: number; key: number; ctx: number; db: bigint; sq: bigint; sqEntries: number; cq: bigint; cqEntries: number; head: SharedArrayBuffer; v2?: QueueV2 }
  | { op: 'removeQueue'; seq: number; key: number }
  | { op: 'setEventfd'; seq: number; key: number; fd: number }
  | { op: 'addHandle'; seq: number; ctx: number; handle: number; address: bigint; length: number }
  | { op: 'removeHandle'; seq: number; ctx: number; handle: number }
  /** `mem`: an fd on the bound process's memory, owned by the control thread; -1 ends the binding. */
  | { op: 'bindSva'; seq: number; ctx: number; mem: number }
  | { op: 'waitFor'; seq: number; key: number; cqTail: number }
  /** Report `reached: id` once the queue's CQ tail reaches `cqTail`, or it stops or goes. */
  | { op: 'watch'; seq: number; key: number; id: number; cqTail: number }
  | { op: 'unwatch'; seq: number; id: number }
  /** Commands [from, to) of a syncobj queue complete OA_STATUS_DEVICE_ERROR without running. */
  | { op: 'poison'; seq: number; key: number; from: number; to: number }
  | { op: 'stop'; seq: number };

/** `ready`: the engine's modules are loaded (it opens no more files), sent once before it serves. */
/** `reached`: a watch ended; `errors` counts the queue's non-OK CQEs up to its tail, -1 when the queue stopped or went first. */
export type EngineMessage = { ack: number } | { progress: number } | { reached: number; errors: number } | { ready: true };

/**
 * A 2.0 queue's separate regions: control (cq_head, cq_arm) and status (sq_head, cq_tail, flags, arm_ack);
 * the tail is the doorbell's first word (`db`), or for an OA_QUEUE_SYNCOBJ queue a word only refdev writes.
 */
export interface QueueV2 {
  control: bigint;
  status: bigint;
  /** An OA_QUEUE_SYNCOBJ queue's tail, a word only refdev writes. */
  tail?: SharedArrayBuffer;
  /** The file's engine time per opcode in ns (BigInt64 words), for fdinfo. */
  engineNs: SharedArrayBuffer;
}

export interface EngineInit {
  device: string;
  /** Bit n set when opcode n is implemented. */
  functions: bigint;
  maxTransferBytes: number;
  /** How long an idle engine polls before it sleeps. */
  spinNs: number;
  /** Shared control words: [0] wake counter, [1] mail counter. */
  control: SharedArrayBuffer;
  /** Names of deliberately broken rules (conformance self-test), empty for a correct device. */
  faults: string[];
}

export const CTL_WAKE = 0;
export const CTL_MAIL = 1;
