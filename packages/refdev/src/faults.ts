/**
 * Rules a refdev can break on purpose, one at a time, so the conformance suite proves itself: with a
 * fault on, the test named in `caughtBy` must fail. A correct refdev has none.
 */
export interface RefdevFault {
  name: string;
  /** The rule broken, in words. */
  breaks: string;
  /** The conformance test that must fail. */
  caughtBy: string;
}

export const REFDEV_FAULTS: readonly RefdevFault[] = [
  { name: 'unknown-ioctl-einval', breaks: 'an unknown ioctl is answered EINVAL instead of ENOTTY', caughtBy: 'ioctl.common.unknown_nr' },
  { name: 'ignore-unknown-flags', breaks: 'undefined flag bits are accepted instead of EINVAL', caughtBy: 'ioctl.create_queue.unknown_flags.flags' },
  { name: 'ignore-reserved', breaks: 'a non-zero reserved field is accepted instead of EINVAL', caughtBy: 'ioctl.query_memory.reserved_nonzero.reserved' },
  { name: 'accept-nonzero-tail', breaks: 'non-zero bytes past the known struct are ignored instead of E2BIG', caughtBy: 'ioctl.get_info.nonzero_tail' },
  { name: 'bind-twice', breaks: 'a second BIND_CONTEXT succeeds instead of EBUSY', caughtBy: 'ioctl.bind_context.already_bound' },
  { name: 'queue-limit-ignored', breaks: 'queues beyond max_queues are created instead of ENOSPC', caughtBy: 'ioctl.create_queue.no_free_queue' },
  { name: 'mmap-twice', breaks: 'a queue region can be mapped twice instead of EEXIST', caughtBy: 'mmap.map_once' },
  { name: 'mmap-foreign-offset', breaks: "another context's queue memory can be mapped by its offset", caughtBy: 'isolation.mmap.foreign_offset' },
  { name: 'foreign-process-allowed', breaks: 'a context fd used from another process is served instead of EPERM', caughtBy: 'isolation.context.foreign_process' },
  { name: 'leak-after-death', breaks: "a dead client's queues and memory are never released", caughtBy: 'isolation.client_death.no_leak' },
  { name: 'no-phase-flip', breaks: 'completions always carry phase 1, so the phase bit does not flip on wrap', caughtBy: 'queue.ring.wraparound' },
  { name: 'lost-completion', breaks: 'one completion in 200 is never posted under load', caughtBy: 'queue.order.exactly_once' },
  { name: 'overwrite-full-cq', breaks: 'the device keeps posting into a full CQ, overwriting unread completions', caughtBy: 'queue.ring.cq_full_no_overwrite' },
  { name: 'crc-no-final-xor', breaks: 'CRC32C returns the register without the final inversion', caughtBy: 'functions.crc32c.check_value' },
  { name: 'fault-partial-write', breaks: 'a command whose source faults writes zeros into its destination first', caughtBy: 'memory.sva.unmapped_faults' },
  { name: 'sysfs-bad-format', breaks: "sysfs numa_node reads 'node0' instead of a signed decimal", caughtBy: 'sysfs.attributes.format' },
  { name: 'sysfs-stale-free-queues', breaks: 'sysfs free_queues is never updated as queues come and go', caughtBy: 'sysfs.free_queues.tracks' },
  { name: 'manifest-absent-function', breaks: 'the manifest claims sha256, which the device does not implement', caughtBy: 'manifest.claims.hold' },
  { name: 'slow-doorbell', breaks: 'every command costs 50 µs more, beyond the doorbell latency the manifest promises', caughtBy: 'latency.doorbell.round_trip' },
];
