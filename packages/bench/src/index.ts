export type { LatencyStats } from './stats.js';
export { latencyStats, timeBlocks, timeEach, timerPairNs } from './stats.js';
export type { CBaseline } from './baselines.js';
export { jsPingPong, cBaselines } from './baselines.js';
export type { BenchTiming, CopyFigures, DoorbellBenchOptions, DoorbellBenchResult } from './doorbell.js';
export { runDoorbellBench, formatDoorbellBench } from './doorbell.js';
