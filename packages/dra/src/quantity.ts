/**
 * Kubernetes resource quantities (`1`, `500m`, `16Gi`, `1e3`) as exact integers of nano-units, the finest
 * precision the API server keeps. Capacity arithmetic is done on these so `0.1 + 0.2` is never a question.
 */

/** A string that is not a Kubernetes quantity. */
export class QuantityError extends Error {
  constructor(readonly value: string) {
    super(`'${value}' is not a quantity`);
    this.name = 'QuantityError';
  }
}

const NANO = 1_000_000_000n;
const SUFFIX: Record<string, bigint> = {
  n: 1n,
  u: 1_000n,
  m: 1_000_000n,
  '': NANO,
  k: 1_000n * NANO,
  M: 1_000_000n * NANO,
  G: 1_000_000_000n * NANO,
  T: 1_000_000_000_000n * NANO,
  P: 1_000_000_000_000_000n * NANO,
  E: 1_000_000_000_000_000_000n * NANO,
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
for (const k of ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']) SUFFIX[k]! *= NANO;

// sign, digits with an optional fraction, then a suffix or a decimal exponent (the API server's grammar).
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;
/** Quantities are short; this also bounds the exponent so a hostile `1e999999` costs nothing. */
const MAX_LENGTH = 64;
const MAX_EXPONENT = 30;

/** Nano-units of a quantity, rounded up to a whole nano-unit as the API server rounds. */
export function parseQuantity(s: string): bigint {
  const m = s.length <= MAX_LENGTH ? QUANTITY.exec(s) : null;
  if (!m) throw new QuantityError(s);
  const [, sign, number, suffix, exponent] = m;
  const [whole = '', fraction = ''] = number!.split('.');
  let num = BigInt((whole || '0') + fraction);
  let den = 10n ** BigInt(fraction.length);
  if (exponent !== undefined) {
    const e = Number(exponent);
    if (Math.abs(e) > MAX_EXPONENT) throw new QuantityError(s);
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
    num *= NANO;
  } else num *= SUFFIX[suffix ?? '']!;
  const nanos = (num + den - 1n) / den;
  return sign === '-' ? -nanos : nanos;
}

export function isQuantity(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

/** The integer value Go's `Quantity.Value()` gives: rounded up (away from zero for negatives). */
export function wholeUnits(nanos: bigint): bigint {
  const q = nanos / NANO;
  return nanos % NANO === 0n ? q : nanos > 0n ? q + 1n : q - 1n;
}

export const fromWholeUnits = (n: bigint): bigint => n * NANO;

/** A quantity string for nano-units: binary suffix for whole multiples of 1024, else a plain or milli value. */
export function formatQuantity(nanos: bigint): string {
  if (nanos % NANO === 0n) {
    const n = nanos / NANO;
    for (const s of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
      const unit = SUFFIX[s]! / NANO;
      if (n !== 0n && n % unit === 0n) return `${n / unit}${s}`;
    }
    return String(n);
  }
  if (nanos % 1_000_000n === 0n) return `${nanos / 1_000_000n}m`;
  return `${nanos}n`;
}
