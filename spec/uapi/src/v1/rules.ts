import type { ProtocolRule } from '../dsl/model.js';

/**
 * The data-path protocol. "release" and "acquire" are the C11 orderings (smp_store_release /
 * smp_load_acquire in a kernel, Atomics.store / Atomics.load in JavaScript, which are stronger).
 */
export const rules = [
  {
    id: 'ring.indices',
    title: 'Free-running indices',
    text: 'sq_tail, sq_head, cq_head and cq_tail are free-running u32 counters that wrap at 2^32. The slot of index i is i & (entries - 1). A ring holds tail - head (mod 2^32) entries; it is empty when they are equal and full when the difference equals the number of entries.',
    since: '1.0',
  },
  {
    id: 'ring.submit',
    title: 'Submitting',
    text: 'The user writes a complete oa_sqe into slot sq_tail & (sq_entries - 1) of the SQ, then stores sq_tail + 1 to oa_doorbell.sq_tail with release ordering (several entries may be published by one store). The user never lets sq_tail - sq_head exceed sq_entries: a device that sees a tail further ahead stops the queue, sets OA_DOORBELL_ERROR and reads nothing more from it (OA_IOCTL_SUBMIT then fails with EIO).',
    since: '1.0',
  },
  {
    id: 'ring.consume',
    title: 'Device reads commands',
    text: 'The device loads oa_doorbell.sq_tail with acquire ordering before reading the entries it publishes, copies each entry before acting on it (the user may not change an entry after the tail store, and the device never reads it twice), and stores the advanced sq_head with release ordering once the slot may be reused.',
    since: '1.0',
  },
  {
    id: 'ring.complete',
    title: 'Device posts completions',
    text: 'The device writes tag, result and status of a CQE, then stores flags with the phase bit with release ordering, then advances oa_doorbell.cq_tail. A command\'s output memory is fully written before its CQE is published.',
    since: '1.0',
  },
  {
    id: 'ring.phase',
    title: 'Phase bit',
    text: 'The CQ starts zeroed. The CQE at index i carries OA_CQE_PHASE = 1 when (i / cq_entries) is even and 0 when it is odd. The user, expecting index cq_head, loads flags with acquire ordering; the entry is valid when its phase equals the expected phase, and only then are tag, result and status read.',
    since: '1.0',
  },
  {
    id: 'ring.release-cq',
    title: 'Consuming completions',
    text: 'After reading a CQE the user stores the advanced cq_head with release ordering. The device never posts into a slot whose index is cq_head + cq_entries or beyond: when the CQ is full it stops taking commands from the SQ, so no completion is ever lost or overwritten.',
    since: '1.0',
  },
  {
    id: 'ring.order',
    title: 'Completion order',
    text: 'Commands of one queue start in SQ order but may complete in any order; match completions by tag. A command with OA_SQE_FENCE starts only after every earlier command of its queue has completed, so it may read their output. Queues are independent of each other.',
    since: '1.0',
  },
  {
    id: 'ring.wakeup',
    title: 'Engine sleep and wake-up',
    text: 'A device may stop polling an idle queue. Before it sleeps it sets OA_DOORBELL_NEED_WAKEUP in oa_doorbell.flags, issues a full barrier and reloads sq_tail; if work arrived it clears the flag and goes on. After each doorbell store the user issues a full barrier and loads flags; if OA_DOORBELL_NEED_WAKEUP is set it calls OA_IOCTL_SUBMIT with the same tail. While the engine polls, the fast path makes no system call.',
    since: '1.0',
  },
  {
    id: 'ring.arming',
    title: 'Sleeping until a completion',
    text: 'To sleep, the user stores 1 to oa_doorbell.cq_armed, issues a full barrier, checks the CQ once more, and only then blocks on the eventfd attached with OA_IOCTL_SET_EVENTFD. After publishing a CQE the device issues a full barrier and loads cq_armed; if it is non-zero the device stores 0 to it and writes 1 to the eventfd. Either the user sees the CQE or the device sees the arm: no wake-up is lost.',
    since: '1.0',
  },
  {
    id: 'memory.access',
    title: 'What a command may touch',
    text: 'A handle range [addr, addr + length) must lie inside the memory the handle names in this context; an SVA address range must be mapped in the bound process with the needed access and the context must be bound with OA_BIND_SVA. Otherwise the command completes with OA_STATUS_ADDRESS_FAULT and reads or writes nothing. Handles are private to a context.',
    since: '1.0',
  },
  {
    id: 'context.lifetime',
    title: 'Closing and dying',
    text: 'Closing the last reference to a context fd, or the death of its process, destroys its queues (in-flight commands are dropped) and releases its handles at once; dma-bufs exported from them stay valid while their fds live. Nothing of one context is visible to another.',
    since: '1.0',
  },
] as const satisfies readonly ProtocolRule[];
