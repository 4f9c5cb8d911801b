import type { OpcodeSpec } from '../dsl/model.js';
import { opcodes as v1 } from '../v1/opcodes.js';

/**
 * The functions of 2.0: the same nine as 1.0, with the same values and operands, in a 16-bit opcode space
 * (which ones a device implements comes from DRM_IOCTL_OA_QUERY_FUNCTIONS, not a 64-bit mask).
 */
export const opcodes = v1.map((o) => ({ ...o, since: '2.0' as const })) satisfies readonly OpcodeSpec[];
