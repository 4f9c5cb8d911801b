/** Messages between the control thread and a device's engine thread. Every request is acknowledged. */

export type EngineRequest =
  | { op: 'addQueue'; seq: number; key: number; ctx: number; db: bigint; sq: bigint; sqEntries: number; cq: bigint; cqEntries: number; head: SharedArrayBuffer }
  | { op: 'removeQueue'; seq: number; key: number }
  | { op: 'setEventfd'; seq: number; key: number; fd: number }
  | { op: 'addHandle'; seq: number; ctx: number; handle: number; address: bigint; length: number }
  | { op: 'removeHandle'; seq: number; ctx: number; handle: number }
  /** `mem`: an fd on the bound process's memory, owned by the control thread; -1 ends the binding. */
  | { op: 'bindSva'; seq: number; ctx: number; mem: number }
  | { op: 'waitFor'; seq: number; key: number; cqTail: number }
  | { op: 'stop'; seq: number };

/** `ready`: the engine's modules are loaded (it opens no more files), sent once before it serves. */
export type EngineMessage = { ack: number } | { progress: number } | { ready: true };

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
