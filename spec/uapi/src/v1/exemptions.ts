/**
 * Rules of 1.0 that a conformance run cannot check, each with the reason. Every other rule (errno,
 * mmap, protocol, opcode, sysfs) must be named by a conformance test; the suite's coverage check
 * fails on a rule that is neither tested nor listed here.
 */
export interface ConformanceExemption {
  /** A rule id as the coverage matrix names it, e.g. `common.device_gone`. */
  readonly rule: string;
  readonly reason: string;
}

export const conformanceExemptions = [
  {
    rule: 'common.device_gone',
    reason:
      'A run reaches the device only through its node; removing or resetting the device under test needs the administrator (PCI remove, reset) and would end the run for every later test.',
  },
  {
    rule: 'ioctl.create_queue.no_memory',
    reason:
      'ENOMEM depends on the memory left to the kernel (or to refdev); a test could only bring it about by starving the whole machine, which no conformance run may do.',
  },
  {
    rule: 'opcode.nop.address_fault',
    reason:
      'NOP names no memory (every operand must be zero, or the command is INVALID_FIELD), so nothing can fault; the status is listed because every opcode lists the common statuses.',
  },
] as const satisfies readonly ConformanceExemption[];
