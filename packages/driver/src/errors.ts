import { uapi, uapi2, UapiError, type ErrnoName } from '@openaccel/uapi';

const CODEC_RULES = new Set(['size_too_small', 'size_mismatch', 'nonzero_tail', 'unknown_flags', 'reserved_nonzero']);
/** Common 2.0 rules a known request that passes uapi2.checkRequest cannot have broken. */
const ACCEL_CODEC_RULES = new Set(['unknown_ioctl', 'unknown_flags', 'reserved_nonzero']);

interface Rule {
  readonly id: string;
  readonly errno: string;
  readonly when: string;
  readonly field?: string;
}

/**
 * Names the rule (and its field) of an errno when exactly one rule of the ioctl fits. The rules the spec's
 * own codec checks cannot be what failed when the bytes sent pass that check (`passesCodec`).
 */
function ruleError(ioctl: string, errno: ErrnoName, all: readonly Rule[], struct: string | undefined, codecRules: ReadonlySet<string>, passesCodec?: () => boolean): UapiError {
  let rules = all.filter((r) => r.errno === errno);
  if (passesCodec && rules.length > 1 && passesCodec()) rules = rules.filter((r) => !codecRules.has(r.id));
  if (rules.length === 1) {
    const r = rules[0]!;
    return new UapiError({ errno, ioctl, ...(struct ? { struct } : {}), ...(r.field ? { field: r.field } : {}) }, `${r.when} (rule ${r.id})`);
  }
  const detail = rules.length ? `one of: ${rules.map((r) => `${r.when} (rule ${r.id})`).join('; ')}` : 'the spec gives this ioctl no such errno';
  return new UapiError({ errno, ioctl }, detail);
}

function passes(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

/**
 * The typed error of a failed ioctl. A driver returns only an errno; the spec's errno table says what
 * it means for that ioctl, so the error names the rule (and its field) when exactly one rule fits.
 */
export function ioctlError(ioctl: string, errno: ErrnoName, sent?: { request: number; arg: Uint8Array }): UapiError {
  const io = uapi.compiled.ioctls.get(ioctl);
  return ruleError(ioctl, errno, io?.errors ?? [], io?.spec.arg, CODEC_RULES, sent && (() => passes(() => uapi.checkRequest(sent.request, sent.arg))));
}

/** The device was removed, reset, or (refdev) its process went away: only close() is left. */
export class DeviceGoneError extends Error {
  constructor(readonly device: string, detail: string) {
    super(`${device}: device gone: ${detail}`);
    this.name = 'DeviceGoneError';
  }
}

/** The submission ring has no free slot. */
export class QueueFullError extends Error {
  constructor(readonly queueId: number, readonly inFlight: number, readonly entries: number) {
    super(`queue ${queueId}: submission ring full (${inFlight} of ${entries} entries not yet taken by the device); collect completions and retry`);
    this.name = 'QueueFullError';
  }
}

/** A wait for a completion ran out of time. */
export class CompletionTimeoutError extends Error {
  constructor(readonly queueId: number, readonly tag: number, readonly timeoutMs: number) {
    super(`queue ${queueId}: no completion for tag ${tag} within ${timeoutMs} ms`);
    this.name = 'CompletionTimeoutError';
  }
}

/** The device stopped the queue after an error (OA_DOORBELL_ERROR); destroy it. */
export class QueueStoppedError extends Error {
  constructor(readonly queueId: number) {
    super(`queue ${queueId}: stopped by the device after an error (OA_DOORBELL_ERROR); destroy it`);
    this.name = 'QueueStoppedError';
  }
}

/** A 2.0 failure that is not an errno of one spec rule: the node is not an OpenAccel device, a reply was malformed. */
export class DriverError extends Error {
  constructor(
    readonly errno: ErrnoName,
    readonly ioctl: string,
    detail: string,
  ) {
    super(`${errno} (${ioctl}): ${detail}`);
    this.name = 'DriverError';
  }
}

/**
 * The typed error of a failed 2.0 ioctl (driver-private or DRM core), naming the rule and its field when
 * exactly one rule of the ioctl (common rules included) has that errno.
 */
export function accelIoctlError(ioctl: string, errno: ErrnoName, sent?: { request: number; arg: Uint8Array }, kept?: ReadonlySet<string>): UapiError {
  const own = uapi2.compiled.ioctls.get(ioctl);
  const core = uapi2.compiled.coreIoctls.get(ioctl);
  const check = own && sent ? () => passes(() => uapi2.checkRequest(sent.request, sent.arg)) : undefined;
  const rules = (own?.errors ?? core?.spec.errors ?? []).filter((r) => !kept?.has(r.id));
  return ruleError(ioctl, errno, rules, own?.spec.arg ?? core?.spec.arg, ACCEL_CODEC_RULES, check);
}

/** Rules of a DRM core ioctl the argument sent cannot have broken: a zero pad, a non-zero count. */
export function coreRulesKept(value: Readonly<Record<string, number | bigint>>): ReadonlySet<string> {
  const kept = new Set<string>();
  if (value.pad !== undefined && BigInt(value.pad) === 0n) kept.add('pad_nonzero');
  if (value.count_handles !== undefined && BigInt(value.count_handles) > 0n) kept.add('count_zero');
  return kept;
}
