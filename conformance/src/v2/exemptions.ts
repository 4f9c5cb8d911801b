/**
 * Rules of 2.0 no conformance test can show from user space, each with the reason. A rule listed here
 * and also tested is stale (the coverage report says so).
 */
export const V2_EXEMPTIONS: readonly { rule: string; reason: string }[] = [
  { rule: 'common.device_gone', reason: 'needs the device unplugged under an open file (hot-unplug), which no test can cause on a kernel device' },
  { rule: 'common.arg_no_memory', reason: "drm_ioctl's allocation failing for a struct of at most 16 KiB cannot be caused from user space" },
  { rule: 'ioctl.bind_context.sva_bind_failed', reason: 'needs the IOMMU to run out of PASIDs, a system-wide state a test cannot set up' },
  { rule: 'ioctl.create_queue.no_memory', reason: 'ring allocation failing cannot be caused without exhausting kernel memory' },
  { rule: 'ioctl.submit.wait_interrupted', reason: 'EINTR needs a handler without SA_RESTART; Node installs every handler with SA_RESTART, so the test process can only see the restart (protocol.wait.interrupted)' },
  { rule: 'core.syncobj_wait.interrupted', reason: 'as ioctl.submit.wait_interrupted' },
  { rule: 'core.syncobj_timeline_wait.interrupted', reason: 'as ioctl.submit.wait_interrupted' },
  { rule: 'core.syncobj_transfer.interrupted', reason: 'as ioctl.submit.wait_interrupted' },
  { rule: 'core.syncobj_wait.array_no_memory', reason: "a huge count_handles causes it, but on a driver that does not bound the count the kernel's allocation first WARNs (a panic under panic_on_warn), so the suite does not make that call on someone else's device; the reference driver's guest probe limit.syncobj_array checks it" },
  { rule: 'core.syncobj_signal.array_no_memory', reason: 'as core.syncobj_wait.array_no_memory' },
  { rule: 'core.syncobj_timeline_wait.array_no_memory', reason: 'as core.syncobj_wait.array_no_memory' },
  { rule: 'core.syncobj_query.array_no_memory', reason: 'as core.syncobj_wait.array_no_memory' },
  { rule: 'core.syncobj_timeline_signal.array_no_memory', reason: 'as core.syncobj_wait.array_no_memory' },
  { rule: 'ioctl.gem_create.handles_exhausted', reason: 'the per-file bound is implementation-defined and no GET_INFO field reports it, so a suite cannot know when to expect ENOSPC; the reference driver\'s guest probe limit.objects checks it with file_max_objects 8' },
  { rule: 'ioctl.gem_create.file_memory_limit', reason: 'implementation-defined and reported nowhere, and it may be larger than the device memory (the reference driver: 1024 MiB against 64 MiB); its guest probe limit.bytes checks it with file_max_memory_mib 1' },
  { rule: 'core.prime_fd_to_handle.handles_exhausted', reason: 'as ioctl.gem_create.handles_exhausted (probe limit.objects imports into a full file)' },
  { rule: 'core.syncobj_create.handles_exhausted', reason: 'as ioctl.gem_create.handles_exhausted; the reference driver\'s guest probe limit.syncobjs checks it with file_max_syncobjs 8' },
  { rule: 'core.syncobj_fd_to_handle.handles_exhausted', reason: 'as core.syncobj_create.handles_exhausted' },
  { rule: 'core.gem_close.gem_unsupported', reason: 'an OpenAccel driver is a GEM driver (memory.gem); only a driver without DRIVER_GEM answers it' },
  { rule: 'core.prime_handle_to_fd.gem_unsupported', reason: 'as core.gem_close.gem_unsupported' },
  { rule: 'core.prime_fd_to_handle.gem_unsupported', reason: 'as core.gem_close.gem_unsupported' },
  { rule: 'protocol.memory.sva-engines', reason: 'it says which promises of memory.fault hold on which kind of device; what holds on both is checked by the tests of memory.access, memory.fault and context.lifetime' },
  { rule: 'opcode.nop.address_fault', reason: 'a NOP names no memory (a non-zero operand is INVALID_FIELD), so nothing can fault; every opcode lists the common statuses' },
];
