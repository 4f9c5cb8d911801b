import type { ProtocolRule, SpecSection } from '../dsl/model.js';

/**
 * How the uAPI sits on DRM accel, and how 1.0's size rules became drm_ioctl's. Each section has a rule
 * id, like the protocol rules, so conformance tests can be named after it.
 */
export const sections = [
  {
    id: 'binding.node',
    title: 'The device node',
    paragraphs: [
      'An OpenAccel device is a DRM accel driver (DRIVER_COMPUTE_ACCEL). Its node is /dev/accel/accelN (character major 261) and its sysfs device is /sys/class/accel/accelN. There is no device class, major or ioctl type of its own: everything goes through the DRM core, whose file operations the driver takes with DEFINE_DRM_ACCEL_FOPS.',
      'Each open() of the node is a DRM file (struct drm_file) and is the OpenAccel context: GEM handles, syncobj handles, queues and the SVA binding all belong to it and die with it.',
    ],
    since: '2.0',
  },
  {
    id: 'binding.identify',
    title: 'Recognising an OpenAccel device',
    paragraphs: [
      'A client opens an accel node, calls DRM_IOCTL_VERSION and compares the name with "openaccel", then calls DRM_IOCTL_OA_GET_INFO. Only when both answer is the node an OpenAccel device; any other driver may use the same nrs for other structs, so a client never sends a driver-private ioctl before the name matched.',
      'version_major of DRM_IOCTL_VERSION is OA_API_VERSION_MAJOR. A client needing a feature tests its OA_CAP_* bit, never the minor version.',
    ],
    since: '2.0',
  },
  {
    id: 'binding.numbering',
    title: 'ioctl numbers',
    paragraphs: [
      "OpenAccel ioctls are driver-private DRM ioctls: DRM_IOWR(DRM_COMMAND_BASE + n, struct ...) with type 'd'. The header defines DRM_OA_<NAME> as n and DRM_IOCTL_OA_<NAME> as the request. The DRM core ioctls a client needs (version, caps, GEM close, PRIME, syncobjs) keep their drm.h numbers and are listed in this spec with the errnos the core returns.",
      'drm_ioctl() dispatches on the nr alone: it does not compare the type byte, and it only copies in (out) when both the caller\'s request and the driver\'s table entry have the write (read) direction bit. A nr past the driver\'s table is EINVAL, not ENOTTY.',
    ],
    since: '2.0',
  },
  {
    id: 'size.drm-ioctl',
    title: "Struct sizes: 1.0's size-first rules give way to drm_ioctl",
    paragraphs: [
      "1.0 put `__u32 size` first in every argument, required it to equal _IOC_SIZE, and answered non-zero bytes past the driver's struct with E2BIG. A DRM driver cannot keep those rules: drm_ioctl() copies _IOC_SIZE bytes of the caller's struct into a buffer of max(caller, driver) size, zero-fills the rest, calls the driver with no size, and copies back only the caller's size. The driver never sees the caller's size or its tail.",
      '2.0 therefore drops the size field, size_too_small, size_mismatch and nonzero_tail, and takes these rules instead. (1) A struct grows only at its end, by fields whose value 0 means exactly the old behaviour, so a zero-extended old struct asks for nothing new. (2) A new field that asks for something new comes with a new flags bit or OA_CAP_* bit: an old driver rejects the unknown flag (EINVAL), which is the answer 1.0 got from E2BIG. (3) A new output field is trusted only when the caps bit that introduced it is set, because an old driver leaves it zero. (4) Reserved fields stay checked (EINVAL) so they can be given meaning later.',
      'The DRM core structs follow the same rule: a header newer than the running kernel (for example one with drm_syncobj_wait.deadline_nsec) sends a longer struct whose tail the older kernel drops.',
    ],
    since: '2.0',
  },
  {
    id: 'memory.gem',
    title: 'Memory is GEM objects',
    paragraphs: [
      'Device memory is a GEM object made by DRM_IOCTL_OA_GEM_CREATE and released by DRM_IOCTL_GEM_CLOSE. A dma-buf from another driver becomes a GEM handle through DRM_IOCTL_PRIME_FD_TO_HANDLE, and any GEM object becomes a real dma-buf fd through DRM_IOCTL_PRIME_HANDLE_TO_FD. The CPU maps an object with mmap(drm_fd, size, ..., MAP_SHARED, oa_gem_info.mmap_offset). Commands name objects by GEM handle and byte offset.',
    ],
    since: '2.0',
  },
  {
    id: 'memory.sva',
    title: 'SVA is a per-context opt-in',
    paragraphs: [
      'A context bound with OA_BIND_SVA may name process virtual addresses (handle OA_HANDLE_NONE). The driver binds the process address space with the IOMMU and programs the PASID into the device itself; the PASID is never returned to user space, is not in sysfs or fdinfo, and a client has no use for it.',
    ],
    since: '2.0',
  },
] as const satisfies readonly SpecSection[];

/**
 * The data-path protocol. "release" and "acquire" are the C11 orderings (smp_store_release /
 * smp_load_acquire in a kernel, Atomics.store / Atomics.load in JavaScript, which are stronger);
 * "full barrier" is smp_mb() / atomic_thread_fence(memory_order_seq_cst).
 */
export const rules = [
  {
    id: 'ring.indices',
    title: 'Free-running indices',
    text: 'sq_tail, sq_head, cq_head and cq_tail are free-running u32 counters that wrap at 2^32. The slot of index i is i & (entries - 1). A ring holds tail - head (mod 2^32) entries; it is empty when they are equal and full when the difference equals the number of entries.',
    since: '2.0',
  },
  {
    id: 'ring.order-pairs',
    title: 'Every shared index: who releases, who acquires',
    text: 'sq_tail: the user stores it with release after writing the entries; the device loads it with acquire before reading them. sq_head: the device stores it with release once it has copied the entries before it; the user loads it with acquire before reusing any of those slots. CQE flags (phase): the device stores with release after tag, result and status; the user loads with acquire before reading them. cq_head: the user stores it with release after it has read the CQEs before it; the device loads it with acquire before writing into any of those slots again. cq_tail (OA_CAP_CQ_TAIL): the device stores it with release after the CQEs before it are published; a user that reads it loads with acquire. cq_arm and arm_ack, and status.flags, are ordered by full barriers (rules ring.wakeup, ring.arming).',
    since: '2.0',
  },
  {
    id: 'ring.submit',
    title: 'Submitting',
    text: 'The user writes a complete oa_sqe into slot sq_tail & (sq_entries - 1), then publishes sq_tail + 1 (several entries may be published by one store) by a release store to oa_doorbell.sq_tail, or by DRM_IOCTL_OA_SUBMIT on an OA_QUEUE_SYNCOBJ queue.',
    since: '2.0',
  },
  {
    id: 'ring.doorbell-store',
    title: 'A doorbell that is a register',
    text: 'With OA_CAP_MMIO_DOORBELL the doorbell is a write-only device register, as NVMe doorbells, idxd portals and kfd doorbells are. The user writes it with one aligned 32-bit store preceded by a barrier that orders earlier stores to normal memory before the store to device memory (the writel() ordering; on arm64 a DSB ST or a store-release to the mapping), never reads it, and keeps the tail in its own memory. The device learns the tail only from these stores, so every store must carry the full tail, never a delta.',
    since: '2.0',
  },
  {
    id: 'ring.consume',
    title: 'Device reads commands',
    text: 'The device acquires the tail (rule ring.order-pairs), copies each entry before acting on it (the user may not change an entry after publishing it, and the device never reads it twice), and releases the advanced sq_head once the slot may be reused. A command\'s completion may be posted before sq_head moves past its slot: a user reuses a slot only when sq_head says it is free, never because its command completed.',
    since: '2.0',
  },
  {
    id: 'ring.overrun',
    title: 'An overrunning tail stops the queue',
    text: 'The user never publishes a tail with tail - sq_head greater than sq_entries. A device that sees one reads nothing more from the queue, sets OA_QUEUE_ERROR in oa_queue_status.flags and stops; DRM_IOCTL_OA_SUBMIT then fails with EIO, and the queue can only be destroyed. The same tail given to DRM_IOCTL_OA_SUBMIT is EINVAL (sq_overrun) and stops the queue too.',
    since: '2.0',
  },
  {
    id: 'ring.complete',
    title: 'Device posts completions',
    text: "The device writes tag, result and status of a CQE, then stores flags with the phase bit with release ordering, then (OA_CAP_CQ_TAIL) releases the advanced cq_tail. A command's output memory is fully written before its CQE is published.",
    since: '2.0',
  },
  {
    id: 'ring.phase',
    title: 'Phase bit',
    text: 'The CQ starts zeroed. The CQE at index i carries OA_CQE_PHASE = 1 when (i / cq_entries) is even and 0 when it is odd. The user, expecting index cq_head, loads flags with acquire ordering; the entry is valid when its phase equals the expected phase, and only then are tag, result and status read.',
    since: '2.0',
  },
  {
    id: 'ring.release-cq',
    title: 'Consuming completions',
    text: 'After reading a CQE the user releases the advanced cq_head to oa_queue_control. The device never posts into index cq_head + cq_entries or beyond: with the CQ full it takes no command from the SQ, so no completion is lost or overwritten.',
    since: '2.0',
  },
  {
    id: 'ring.cq-full',
    title: 'A full CQ: commands wait in the SQ, the device sleeps',
    text: 'While the CQ holds cq_entries unconsumed CQEs the device takes no command from the SQ: sq_head does not move, the published commands stay pending in the SQ, and no completion is lost, overwritten or posted twice. The device does not spin on cq_head. It may poll it for a bounded, device-defined time (as it may poll an idle doorbell); then it sets OA_QUEUE_NEED_WAKEUP, issues a full barrier and reloads cq_head: if space appeared it clears the flag and goes on, otherwise it waits, using no CPU, until DRM_IOCTL_OA_SUBMIT on the queue wakes it (it may also look at cq_head when it wakes for other work). After every store of cq_head the user issues a full barrier and loads status.flags; if OA_QUEUE_NEED_WAKEUP is set it calls DRM_IOCTL_OA_SUBMIT with its current tail. The device then takes the pending commands in SQ order and completes each exactly once. So freed CQ space always reaches a device that sleeps on it, and a CQ left full costs no CPU however long it stays full.',
    since: '2.0',
  },
  {
    id: 'ring.order',
    title: 'Completion order',
    text: "Commands of one queue start in SQ order but may complete in any order; match completions by tag. A command with OA_SQE_FENCE starts only after every earlier command of its queue has completed, so it may read their output. Queues are independent of each other.",
    since: '2.0',
  },
  {
    id: 'ring.wakeup',
    title: 'Engine sleep and wake-up',
    text: 'A device may stop polling an idle queue. Before it sleeps it sets OA_QUEUE_NEED_WAKEUP in oa_queue_status.flags, issues a full barrier and reloads the tail; if work arrived it clears the flag and goes on. After each doorbell store the user issues a full barrier and loads status.flags; if OA_QUEUE_NEED_WAKEUP is set it calls DRM_IOCTL_OA_SUBMIT with the same tail, which wakes the engine. While the engine polls, the fast path makes no system call.',
    since: '2.0',
  },
  {
    id: 'queue.initial-state',
    title: 'The wake-up state of a new queue',
    text: 'A new queue starts with OA_QUEUE_NEED_WAKEUP set, whatever the engine is doing, so the first doorbell store is always followed by DRM_IOCTL_OA_SUBMIT and a queue created while the engine sleeps is served without delay. The device clears the flag when it starts polling the queue.',
    since: '2.0',
  },
  {
    id: 'ring.arming',
    title: 'Sleeping until a completion',
    text: 'To sleep, the user stores cq_arm = arm_ack + 1 to oa_queue_control, issues a full barrier, checks the CQ once more, and only then blocks on the eventfd attached with DRM_IOCTL_OA_SET_EVENTFD. After publishing a CQE the device issues a full barrier and loads cq_arm; if it differs from arm_ack the device stores arm_ack = cq_arm and writes 1 to the eventfd. Either the user sees the CQE or the device sees the arm: no wake-up is lost. Each word keeps one writer, so the control region can stay device-read-only.',
    since: '2.0',
  },
  {
    id: 'ring.eventfd-drain',
    title: 'Draining the eventfd; spurious wake-ups',
    text: 'An eventfd counts signals, so after waking the user reads it (non-blocking) until EAGAIN before arming again, or a stale count wakes it at once next time. A wake-up promises nothing: the CQE that caused it may already have been consumed, or the signal may come from an earlier arm. After every wake-up the user checks the CQ and, finding nothing, arms and sleeps again.',
    since: '2.0',
  },
  {
    id: 'sync.queue',
    title: 'Queues that take syncobj points',
    text: 'A queue created with OA_QUEUE_SYNCOBJ has no doorbell: the driver owns its tail, which only DRM_IOCTL_OA_SUBMIT advances, so it can hold commands whose wait points have not signalled without the device reading past them. Doorbell queues take no points (EINVAL).',
    since: '2.0',
  },
  {
    id: 'sync.points',
    title: 'Waiting on and signalling syncobj points per command',
    text: 'One DRM_IOCTL_OA_SUBMIT covers the commands from the previous tail to the new sq_tail; publishing one command per call makes the points per command. Those commands start after every wait point has signalled (a point that signals with an error completes them with OA_STATUS_DEVICE_ERROR without running them). Each signal point gets a fence, attached before the call returns, that signals when all of those commands have completed, with an error when one ended with a status other than OA_STATUS_OK. Timeline points need OA_CAP_SYNCOBJ_TIMELINE.',
    since: '2.0',
  },
  {
    id: 'sync.held-submits',
    title: 'How many SUBMITs a syncobj queue holds',
    text: 'A SUBMIT on an OA_QUEUE_SYNCOBJ queue whose commands cannot start yet (a wait point of it, or of an earlier SUBMIT of the queue, has not signalled) is held by the driver until they can; a SUBMIT that publishes no new command counts too. How many SUBMITs one queue holds at once is implementation-defined but at least 1024; the next is ENOMEM (too_many_held). A rejected SUBMIT consumes nothing: its tail is not published (its commands are not run and sq_head never passes them until a later SUBMIT publishes them), no fence is attached to its signal points, and sq_head is reported as it is. No GET_INFO field or sysfs attribute reports the bound: a client that gets ENOMEM waits until an earlier SUBMIT of the queue has been released (for example by waiting on one of its signal points) and repeats the same call.',
    since: '2.0',
  },
  {
    id: 'sync.export',
    title: 'Ordering against a GPU',
    text: 'A signal point exports as a sync_file (DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD with EXPORT_SYNC_FILE, after DRM_IOCTL_SYNCOBJ_TRANSFER to a binary syncobj for a timeline point) that another driver waits on; the sync_file of a GPU job is imported (FD_TO_HANDLE with IMPORT_SYNC_FILE) and used as a wait point. A GPU and an accelerator sharing a dma-buf are thus ordered without a CPU wait.',
    since: '2.0',
  },
  {
    id: 'wait.interrupted',
    title: 'Waits that a signal interrupts',
    text: 'DRM_IOCTL_OA_SUBMIT with OA_SUBMIT_WAIT, DRM_IOCTL_SYNCOBJ_WAIT, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT and DRM_IOCTL_SYNCOBJ_TRANSFER with WAIT_FOR_SUBMIT sleep interruptibly. A signal for the caller ends the sleep with -ERESTARTSYS inside the kernel, never with -EINTR from the driver, so what the client sees depends only on how it handles the signal: with no handler, with a handler installed with SA_RESTART (as Node.js and most language runtimes install theirs), or for a stop signal followed by SIGCONT, the call is restarted with the same argument and the client never sees the interruption; with a handler without SA_RESTART the call fails with EINTR. The deadlines of SUBMIT and of the syncobj waits are absolute CLOCK_MONOTONIC times, so a restarted call waits only for what is left of them; the 5 s TRANSFER waits for a fence is relative and starts again. SUBMIT is interrupted only in its wait, after it published its tail and attached its points: after EINTR the client repeats it with the same sq_tail and no points, which only waits again. A restarted SUBMIT is the same call again: its tail is published already, so nothing runs twice, but on an OA_QUEUE_SYNCOBJ queue its points are taken once more, as a SUBMIT of no new command; a client that must not add a signal point twice waits on that point (DRM_IOCTL_SYNCOBJ_WAIT) instead of passing OA_SUBMIT_WAIT. A device reached through a socket node (refdev) cannot see the caller\'s signals: a signal interrupts only the client\'s own read of the answer (restarted under SA_RESTART like any socket read), never the device\'s wait, which ends with EINTR only when the file loses its process (the bound process died or the connection closed).',
    since: '2.0',
  },
  {
    id: 'memory.access',
    title: 'What a command may touch',
    text: 'A handle range [addr, addr + length) must lie inside the GEM object the handle names in this file; an SVA address range must be mapped in the bound process with the needed access and the context must be bound with OA_BIND_SVA. Otherwise the command completes with OA_STATUS_ADDRESS_FAULT. Handles are private to a file.',
    since: '2.0',
  },
  {
    id: 'memory.fault',
    title: 'What an address fault promises',
    text: 'A device checks handle ranges before it starts, so a handle fault reads and writes nothing. An SVA fault can be found only when the device reaches the page (IOMMU page request), after it has written part of dst: then OA_STATUS_ADDRESS_FAULT promises that nothing outside the ranges the command names was read or written, that dst holds unspecified bytes, and that result is 0. It does not promise that dst is untouched. A user who needs dst intact on failure writes to a scratch buffer.',
    since: '2.0',
  },
  {
    id: 'memory.sva-engines',
    title: 'SVA on a software engine and on PASID hardware',
    text: 'Two kinds of device implement OA_BIND_SVA, and they keep memory.fault differently. A software engine (the reference kernel driver) holds a reference to the bound process\'s mm and copies through its own buffers with the kernel\'s user-copy routines while it has that mm: a page that is not present is brought in by the ordinary CPU fault path, at CPU fault cost; a fault is found before any byte of dst is written, so dst is in fact untouched; no PASID is allocated. A PASID device tags its DMA with the PASID of the bound mm: a page the IOMMU cannot translate raises a page request (PRI, I/O page fault) that the kernel resolves while the device stalls, microseconds to milliseconds for each request, visible as latency of the command that touched the page first; a request that cannot be resolved fails the command after earlier pages of dst may have been written. The conformance tests of SVA check what both promise: OA_STATUS_ADDRESS_FAULT with result 0, nothing outside the ranges the command names touched (memory.access), the binding ending with the bound process (context.lifetime). None of them requires dst to be untouched after a fault, and none bounds the latency of a first touch: those are properties of one kind of device only.',
    since: '2.0',
  },
  {
    id: 'context.lifetime',
    title: 'Closing and dying',
    text: 'Closing the last reference to the DRM file, or the death of its process, destroys its queues (in-flight commands are dropped, their signal points signal with an error), releases its GEM and syncobj handles and unbinds SVA. dma-bufs and syncobj fds exported from them stay valid while their fds live. Nothing of one file is visible to another except through those fds.',
    since: '2.0',
  },
] as const satisfies readonly ProtocolRule[];
