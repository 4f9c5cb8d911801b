import { uapi, UapiError, type ErrnoName } from '@openaccel/uapi';

const CODEC_RULES = new Set(['size_too_small', 'size_mismatch', 'nonzero_tail', 'unknown_flags', 'reserved_nonzero']);

/**
 * The typed error of a failed ioctl. A driver returns only an errno; the spec's errno table says what
 * it means for that ioctl, so the error names the rule (and its field) when exactly one rule fits.
 */
export function ioctlError(ioctl: string, errno: ErrnoName, sent?: { request: number; arg: Uint8Array }): UapiError {
  const io = uapi.compiled.ioctls.get(ioctl);
  let rules = (io?.errors ?? []).filter((r) => r.errno === errno);
  if (sent && rules.length > 1) {
    // The rules the spec's own codec checks cannot be what failed when the bytes sent pass that check.
    let clean = true;
    try {
      uapi.checkRequest(sent.request, sent.arg);
    } catch {
      clean = false;
    }
    if (clean) rules = rules.filter((r) => !CODEC_RULES.has(r.id));
  }
  if (rules.length === 1) {
    const r = rules[0]!;
    return new UapiError({ errno, ioctl, ...(io ? { struct: io.spec.arg } : {}), ...(r.field ? { field: r.field } : {}) }, `${r.when} (rule ${r.id})`);
  }
  const detail = rules.length ? `one of: ${rules.map((r) => `${r.when} (rule ${r.id})`).join('; ')}` : 'the spec gives this ioctl no such errno';
  return new UapiError({ errno, ioctl }, detail);
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
