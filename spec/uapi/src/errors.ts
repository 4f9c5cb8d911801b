import type { ErrnoName } from './dsl/errno.js';

export interface UapiErrorData {
  /** The errno a kernel driver returns for this condition. */
  errno: ErrnoName;
  /** The ioctl being encoded, decoded or checked, e.g. `OA_IOCTL_CREATE_QUEUE`. */
  ioctl?: string;
  /** The struct involved, e.g. `oa_create_queue`. */
  struct?: string;
  /** The offending field, e.g. `sq_entries`. */
  field?: string;
}

/**
 * A violation of a uAPI rule, carrying the errno the spec assigns to it.
 *
 * The same class is thrown by the TypeScript codecs (bad input on the way in) and by drivers
 * (a kernel's or refdev's answer on the way back), so callers can switch on `errno` and `field`.
 */
export class UapiError extends Error implements UapiErrorData {
  readonly errno: ErrnoName;
  readonly ioctl?: string;
  readonly struct?: string;
  readonly field?: string;

  constructor(data: UapiErrorData, detail: string) {
    const where = [data.ioctl, data.struct && data.field ? `${data.struct}.${data.field}` : data.struct ?? data.field]
      .filter(Boolean)
      .join(' ');
    super(`${data.errno}${where ? ` (${where})` : ''}: ${detail}`);
    this.name = 'UapiError';
    this.errno = data.errno;
    if (data.ioctl !== undefined) this.ioctl = data.ioctl;
    if (data.struct !== undefined) this.struct = data.struct;
    if (data.field !== undefined) this.field = data.field;
  }
}

/** A mistake in the spec itself (overlapping fields, implicit padding, duplicate numbers). */
export class SpecError extends Error {
  constructor(
    readonly where: string,
    detail: string,
  ) {
    super(`${where}: ${detail}`);
    this.name = 'SpecError';
  }
}
