import { describe, expect, it } from 'vitest';
import { startRefdev } from '@openaccel/refdev';
import { latencyStats, runDoorbellBench, timeBlocks } from '../src/index.js';

describe('latency statistics', () => {
  it('percentiles of known samples', () => {
    const s = latencyStats(Array.from({ length: 1000 }, (_, i) => 1000 - i));
    expect(s).toEqual({ samples: 1000, p50_ns: 501, p90_ns: 901, p99_ns: 991, p99_9_ns: 1000, max_ns: 1000 });
  });
});

describe('timing in blocks', () => {
  it('calls once per round trip in order, and gives one per-call sample per whole block', () => {
    const seen: number[] = [];
    const s = timeBlocks(50, 16, (i) => seen.push(i));
    expect(seen).toEqual(Array.from({ length: 48 }, (_, i) => i));
    expect(s.length).toBe(3);
    for (const x of s) expect(x).toBeGreaterThan(0);
  });

  it('refuses a block it cannot fill', () => {
    expect(() => timeBlocks(10, 0, () => {})).toThrow(RangeError);
    expect(() => timeBlocks(10, 11, () => {})).toThrow(RangeError);
  });
});

describe('doorbell benchmark', () => {
  // Timings are never asserted: this checks the run completes and reports every figure it promises.
  it('runs end to end on a refdev and reports the versioned result', async () => {
    const steps: string[] = [];
    // 25,001 is no multiple of 8, and a fiftieth of it (the ioctl path's count) is no integer: only whole
    // blocks are timed, on both sides.
    const r = await runDoorbellBench({ iterations: 25_001, block: 8, onProgress: (s) => steps.push(s) });
    expect(r.schema).toBe('openaccel-bench/1');
    // Without a device the bench measures refdev's 2.0 node, through the 2.0 driver.
    expect(r.uapi).toBe('2.0');
    expect(r.device).toMatch(/\/dev\/accel\/accel0$/);
    for (const s of [r.doorbell, r.baseline_js, r.ioctl]) expect(s.samples).toBeGreaterThan(0);
    expect(r.doorbell.p50_ns).toBeLessThanOrEqual(r.doorbell.p99_ns);
    expect(r.throughput.nop_per_s).toBeGreaterThan(0);
    expect(r.copy.device_gbps).toBeGreaterThan(0);
    // Both sides timed alike: blocks of 8 round trips per clock pair, said in the result.
    expect(r.timing).toMatchObject({ method: 'blocks', round_trips_per_block: 8 });
    expect(r.doorbell.samples).toBe(3125);
    expect(r.timing.timer_pair_ns.js).toBeGreaterThan(0);
    if (!('unavailable' in r.baseline_c)) {
      expect([r.baseline_c.block, r.baseline_c.samples, r.baseline_c.cacheline_pingpong.samples]).toEqual([8, 3125, 3125]);
      expect(r.timing.timer_pair_ns.c).toBe(r.baseline_c.timer_pair_ns);
    }
    // memcpy copies the device's own two buffers, mapped, in trials interleaved with the device's.
    expect(r.copy).toMatchObject({ memcpy_buffers: 'device memory, mapped', trials: 31, warmup_copies: 32768 });
    expect(r.ratios.copy_device_over_memcpy).toBe(r.copy.ratio);
    expect(steps[0]).toBe('starting a reference device');
  }, 600_000); // bounds only a hung run: on a shared machine a round trip can take milliseconds

  it('times COPY at the largest size the device takes, never a COPY it refused', async () => {
    // A device whose commands move at most 256 KiB (the reference kernel driver's bound): a 1 MiB COPY
    // completes INVALID_FIELD at once, which the bench must not report as bandwidth.
    const refdev = await startRefdev({
      config: {
        devices: [{ name: 'accel0', maxTransferBytes: 256 << 10 }],
        memories: [{ id: 'hbm0', kind: 'hbm', sizeBytes: 64 << 20, numaNode: -1, devices: ['accel0'], cpuVisible: true }],
      },
    });
    try {
      const r = await runDoorbellBench({ device: refdev.accelNode('accel0'), iterations: 500 });
      expect(r.copy.bytes).toBe(256 << 10);
      expect(r.copy.device_gbps).toBeGreaterThan(0);
    } finally {
      await refdev.stop();
    }
  }, 600_000);

  it('device memory the CPU cannot map: memcpy copies private buffers, and the result says so', async () => {
    const refdev = await startRefdev({
      config: { memories: [{ id: 'hbm0', kind: 'hbm', sizeBytes: 64 << 20, numaNode: -1, devices: ['accel0'], cpuVisible: false }] },
    });
    try {
      const r = await runDoorbellBench({ device: refdev.accelNode('accel0'), iterations: 500 });
      expect(r.copy.memcpy_buffers).toBe('private');
      expect(r.copy.memcpy_gbps).toBeGreaterThan(0);
    } finally {
      await refdev.stop();
    }
  }, 600_000);
});
