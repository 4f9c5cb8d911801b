#!/usr/bin/env node
/**
 * Mutation testing of refdev: plants one mutant at a time in a private copy of refdev's built output,
 * starts that refdev, and runs the conformance suite against it (latency tests excluded: their verdict
 * depends on load). A mutant is killed when a test fails, errors or times out (the first such test is
 * reported). Prints JSON (openaccel-mutation/1) on stdout and progress on stderr; exits 1 when the score is
 * below --min-score, 2 when the run could not happen (the unmutated copy must pass first).
 *
 *   node tools/mutation/run.mjs                      every mutant (hours)
 *   node tools/mutation/run.mjs --sample 40          40 mutants spread over the list
 *   node tools/mutation/run.mjs --sample 6 --budget-s 240 --min-score 100
 *   node tools/mutation/run.mjs --recheck report.json   only the survivors of an earlier report
 *
 * A mutant that survives the default refdev (every capability and function) is run once more against a lean
 * refdev without them, with the tests of rules about devices that lack something.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { applyMutant, mutantsOf, sample, TARGET_FILES } from './mutants.mjs';

const repo = join(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    sample: { type: 'string' },
    offset: { type: 'string', default: '0' },
    'budget-s': { type: 'string' },
    'min-score': { type: 'string', default: '0' },
    'test-timeout-ms': { type: 'string', default: '20000' },
    recheck: { type: 'string' },
  },
});
const int = (v, name) => {
  if (v !== undefined && !/^\d+$/.test(v)) throw new Error(`--${name} takes a non-negative integer, got '${v}'`);
  return v === undefined ? undefined : Number(v);
};
const budgetMs = values['budget-s'] === undefined ? Infinity : int(values['budget-s'], 'budget-s') * 1000;
const started = performance.now();

const { ALL_TESTS, runConformance } = await import(join(repo, 'conformance/dist/index.js'));
const EQUIVALENT = JSON.parse(readFileSync(join(import.meta.dirname, 'equivalent.json'), 'utf8')).mutants;

/** A device without eventfd, device memory, dma-buf import/export and most functions, with a small PASID space. */
const LEAN_CONFIG = {
  devices: [{ name: 'accel0', model: 'refdev-lean', functions: ['nop', 'copy', 'crc32c'], caps: ['sva'], numaNode: 0, maxQueues: 8, maxSqEntries: 256, maxCqEntries: 512, maxTransferBytes: 1 << 20, pasidBits: 3 }],
  memories: [{ id: 'ddr0', kind: 'ddr', sizeBytes: 1 << 20, numaNode: 0, devices: ['accel0'], cpuVisible: true }],
};
const LEAN_FILTERS = ['ioctl.*.*_unsupported', 'ioctl.bind_context.**', 'functions.*.invalid_opcode', 'functions.nop.**', 'ioctl.get_info.**', 'sysfs.attributes.**'];

const work = mkdtempSync(join(tmpdir(), 'oa-mutation-'));
const cleanup = () => rmSync(work, { recursive: true, force: true });
process.once('exit', cleanup); // also when something throws past the finally below
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => process.exit(130));

try {
  // A private refdev: its own dist (mutated in place), the repository's node_modules for its imports.
  const copy = join(work, 'refdev');
  cpSync(join(repo, 'packages/refdev/package.json'), join(copy, 'package.json'));
  cpSync(join(repo, 'packages/refdev/dist'), join(copy, 'dist'), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(copy, 'node_modules'));
  const { startRefdev } = await import(join(copy, 'dist/index.js'));
  const sources = Object.fromEntries(TARGET_FILES.map((f) => [f, readFileSync(join(copy, 'dist', f), 'utf8')]));
  const all = TARGET_FILES.flatMap((f) => mutantsOf(f, sources[f]));
  const key = (m) => `${m.file}:${m.line}:${m.original} => ${m.mutated}`;
  const equivalent = new Map(EQUIVALENT.map((e) => [e.mutant, e.reason]));
  const candidates = all.filter((m) => !equivalent.has(key(m)));
  const n = int(values.sample, 'sample');
  let chosen = n === undefined ? candidates : sample(candidates, n, int(values.offset, 'offset'));
  if (values.recheck) {
    const again = new Set(JSON.parse(readFileSync(values.recheck, 'utf8')).survivors.map(key));
    chosen = candidates.filter((m) => again.has(key(m)));
  }
  const filters = ALL_TESTS.map((t) => t.id).filter((id) => !id.startsWith('latency.'));

  const runOnce = async (config, only = filters) => {
    let refdev;
    try {
      refdev = await startRefdev(config ? { config } : {});
    } catch (e) {
      return { outcome: 'killed', by: `refdev did not start (${e.message.split('\n')[0]})` };
    }
    let by;
    try {
      const report = await runConformance({
        target: { device: refdev.node('accel0'), sysfsRoot: refdev.sysfsRoot },
        filters: only,
        maxTestTimeoutMs: int(values['test-timeout-ms'], 'test-timeout-ms'),
        onEvent: (e) => {
          if (e.type === 'result' && ['fail', 'error', 'timeout'].includes(e.result.status)) by ??= `${e.result.id} (${e.result.status})`;
        },
      });
      return by ? { outcome: 'killed', by } : { outcome: 'survived', tests: report.tests.length };
    } catch (e) {
      if (by) return { outcome: 'killed', by };
      return { outcome: 'killed', by: `the run broke (${e.message.split('\n')[0]})` };
    } finally {
      await refdev.stop().catch(() => undefined);
    }
  };

  // Both sides of the rules about a missing capability or function.
  const both = async () => {
    const full = await runOnce();
    return full.outcome === 'survived' ? runOnce(LEAN_CONFIG, LEAN_FILTERS) : full;
  };
  const baseline = await both();
  if (baseline.outcome !== 'survived') {
    process.stderr.write(`the unmutated refdev does not pass: ${baseline.by}\n`);
    process.exitCode = 2;
  } else {
    const results = [];
    for (const [i, m] of chosen.entries()) {
      if (performance.now() - started > budgetMs) break;
      const path = join(copy, 'dist', m.file);
      writeFileSync(path, applyMutant(sources[m.file], m));
      const t0 = performance.now();
      let r;
      try {
        r = await both();
      } finally {
        writeFileSync(path, sources[m.file]);
      }
      results.push({ ...m, ...r, ms: Math.round(performance.now() - t0) });
      process.stderr.write(`[${i + 1}/${chosen.length}] ${r.outcome.padEnd(8)} ${m.file}:${m.line} ${m.operator}: ${m.mutated}${r.by ? `  <- ${r.by}` : ''}\n`);
    }
    const killed = results.filter((r) => r.outcome === 'killed').length;
    const score = results.length ? Math.round((killed / results.length) * 1000) / 10 : 0;
    const out = {
      schema: 'openaccel-mutation/1',
      target: 'packages/refdev/dist',
      files: TARGET_FILES,
      mutants: all.length,
      equivalent: EQUIVALENT.length,
      run: results.length,
      complete: results.length === chosen.length,
      killed,
      survived: results.length - killed,
      score,
      durationMs: Math.round(performance.now() - started),
      survivors: results.filter((r) => r.outcome === 'survived').map(({ file, line, operator, original, mutated }) => ({ file, line, operator, original, mutated })),
      killedBy: results.filter((r) => r.outcome === 'killed').map(({ file, line, mutated, by }) => ({ file, line, mutated, by })),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    if (score < Number(values['min-score'])) process.exitCode = 1;
  }
} finally {
  cleanup();
}
