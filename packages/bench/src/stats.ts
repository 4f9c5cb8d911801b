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
