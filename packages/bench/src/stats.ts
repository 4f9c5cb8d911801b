/** Percentiles of nanosecond samples. Verdicts use medians and percentiles, never the maximum. */
export interface LatencyStats {
  samples: number;
  p50_ns: number;
  p90_ns: number;
  p99_ns: number;
  p99_9_ns: number;
  max_ns: number;
}

export function latencyStats(samples: Float64Array | number[]): LatencyStats {
  const s = Float64Array.from(samples).sort();
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(s.length * q))]!);
  return { samples: s.length, p50_ns: at(0.5), p90_ns: at(0.9), p99_ns: at(0.99), p99_9_ns: at(0.999), max_ns: Math.round(s[s.length - 1]!) };
}

/** Times `n` calls of `fn` one by one with process.hrtime.bigint() (about 40 ns of its own). */
export function timeEach(n: number, fn: (i: number) => void): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    out[i] = Number(process.hrtime.bigint() - t0);
  }
  return out;
}

/**
 * Times `rounds` calls of `fn` in blocks of `block` dependent calls, one clock pair per block, and
 * returns each block's time divided by `block`: per-call samples in which the clock's own cost is
 * a 1/block share. The C baselines time their round trips the same way (c/pingpong.c BLOCK), so
 * both sides of a ratio pay the same share of their clock. Only whole blocks are timed.
 */
export function timeBlocks(rounds: number, block: number, fn: (i: number) => void): Float64Array {
  if (!(Number.isInteger(block) && block >= 1 && Number.isInteger(rounds) && rounds >= block)) throw new RangeError(`blocks of ${block} out of ${rounds} calls`);
  const out = new Float64Array(Math.floor(rounds / block));
  let i = 0;
  for (let b = 0; b < out.length; b++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < block; k++) fn(i++);
    out[b] = Number(process.hrtime.bigint() - t0) / block;
  }
  return out;
}

/** The median cost of one process.hrtime.bigint() pair with nothing between, in this run (reported, never subtracted). */
export function timerPairNs(n = 10_000): number {
  return latencyStats(timeEach(n, () => {})).p50_ns;
}
