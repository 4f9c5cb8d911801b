#!/usr/bin/env node
/**
 * Mutation testing of refdev's 2.0 code (packages/refdev/src/v2) against the 2.0 conformance suite. Plants
 * one mutant at a time in a private copy of refdev (its TypeScript changed, that file compiled again),
 * starts that refdev and runs the 2.0 suite on its accel0 (latency excluded: its verdict depends on load),
 * stopping at the first test that fails, errors or times out. A kill is confirmed by running the killing
 * test alone on the mutant (it must fail) and on the unmutated copy (it must pass); otherwise (a test a
 * loaded machine makes flaky) the mutant is run again without it, and is `unsure` when nothing else kills it. A mutant that survives the
 * full-featured refdev is run again against refdevs without SVA, eventfd, device memory and most
 * functions, with the tests of the rules about such devices.
 * Prints JSON (openaccel-mutation/2) on stdout and progress on stderr. Exit 0, 1 when the score is below
 * --min-score, 2 when the run could not happen (the unmutated copy must pass first), 128+n on a signal
 * (after printing what was run).
 *
 *   node tools/mutation/run-v2.mjs                           every mutant
 *   node tools/mutation/run-v2.mjs --sample 40 --seed 7      40 mutants drawn by seed 7
 *   node tools/mutation/run-v2.mjs --files queue.ts,gem.ts   the mutants of these files
 *   node tools/mutation/run-v2.mjs --recheck report.json     only the survivors and unsure of an earlier report
 *   node tools/mutation/run-v2.mjs --list                    the mutants, without running any
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RefdevCopy, emitJs } from './refdev-copy.mjs';
import { applyMutant, mutantKey, mutantsOf, seededSample } from './source-mutants.mjs';

export const REPORT_SCHEMA = 'openaccel-mutation/2';
const repo = join(import.meta.dirname, '..', '..');

const { values } = parseArgs({
  options: {
    sample: { type: 'string' },
    seed: { type: 'string', default: '1' },
    files: { type: 'string' },
    'budget-s': { type: 'string' },
    'min-score': { type: 'string', default: '0' },
    // Without it, each test's own limit: a loaded machine makes some tests take tens of seconds.
    'test-timeout-ms': { type: 'string' },
    recheck: { type: 'string' },
    list: { type: 'boolean', default: false },
  },
});
const int = (name) => {
  const v = values[name];
  if (v !== undefined && !/^\d+$/.test(v)) throw new Error(`--${name} takes a non-negative integer, got '${v}'`);
  return v === undefined ? undefined : Number(v);
};
/**
 * The open-file limit of the run and so of each refdev it starts (soft and hard: Node raises its soft limit
 * to the hard one). Low, so that a device leaking a few files per queue (a destroyed queue's memfds) runs out
 * within the suite's CREATE/DESTROY cycles (ioctl.create_queue.no_free_queue.cycles) rather than at the
 * host's limit; the unmutated suite needs a few hundred.
 */
const MAX_OPEN_FILES = 1024;
const openFileLimits = () => {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m ? [m[1], m[2]].map((v) => (v === 'unlimited' ? Infinity : Number(v))) : [Infinity, Infinity];
};
if (!values.list && openFileLimits().some((l) => l > MAX_OPEN_FILES)) {
  // The same run under the limit; prlimit(1) execs it, so the child is that run. Signals are passed on.
  const child = spawn('prlimit', [`--nofile=${MAX_OPEN_FILES}:${MAX_OPEN_FILES}`, '--', process.execPath, ...process.execArgv, import.meta.filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  try {
    const [code, signal] = await once(child, 'exit');
    process.exit(code ?? 128 + constants.signals[signal]);
  } catch (e) {
    process.stderr.write(`run-v2.mjs runs refdev under prlimit(1) (util-linux), which failed: ${e.message}\n`);
    process.exit(2);
  }
}
const budgetMs = values['budget-s'] === undefined ? Infinity : int('budget-s') * 1000;
const testTimeoutMs = int('test-timeout-ms');
const started = performance.now();

/** Devices without a feature, each with the tests of the rules about such a device (as conformance/test runs them). */
const lean = (caps) => ({
  devices: [{ name: 'accel0', model: 'refdev-lean', functions: ['nop', 'copy', 'crc32c'], caps, numaNode: 0, maxQueues: 8, maxSqEntries: 256, maxCqEntries: 512, maxTransferBytes: 1 << 20, pasidBits: 3 }],
  memories: [{ id: 'ddr0', kind: 'ddr', sizeBytes: 1 << 20, numaNode: 0, devices: ['accel0'], cpuVisible: true }],
});
const LEAN_RUNS = [
  // sysfs and the query ioctls too: this device's one memory is private to it, which no full-featured refdev memory is.
  { name: 'lean: device memory only', config: lean(['device_memory']), filters: ['ioctl.bind_context.sva_unsupported', 'ioctl.set_eventfd.eventfd_unsupported', 'functions.*.invalid_opcode', 'sysfs', 'ioctl.get_info', 'ioctl.query_memory', 'ioctl.query_functions'] },
  { name: 'lean: no capability', config: lean([]), filters: ['ioctl.gem_create.alloc_unsupported'] },
];

const EQUIVALENT = JSON.parse(readFileSync(join(import.meta.dirname, 'equivalent-v2.json'), 'utf8')).mutants;
const equivalent = new Map(EQUIVALENT.map((e) => [mutantKey(e), e.reason]));

let interrupted;
let current; // the AbortController of the run in progress
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupted ??= sig;
    current?.abort(new Error(`interrupted by ${sig}`));
  });
}

const work = mkdtempSync(join(tmpdir(), 'oa-mutation-v2-'));
const cleanup = () => rmSync(work, { recursive: true, force: true });
process.once('exit', cleanup); // also when something throws past the finally below

try {
  const copy = new RefdevCopy(repo, work);
  const { accelNodePath, startRefdev } = await import(join(work, 'dist/index.js'));
  const { runConformance, V2_TESTS } = await import(join(repo, 'conformance/dist/index.js'));
  const suite = V2_TESTS.map((t) => t.id).filter((id) => !id.startsWith('latency.'));

  // Every mutant whose JavaScript differs from the original's (a mutant of types only is no mutant).
  const wanted = values.files?.split(',').map((f) => f.trim());
  const files = [...copy.files.keys()].filter((f) => !wanted || wanted.includes(f));
  if (wanted) for (const f of wanted) if (!copy.files.has(f)) throw new Error(`--files: no ${f} in packages/refdev/src/v2`);
  let generated = 0;
  const all = [];
  for (const f of files) {
    const { source, js } = copy.files.get(f);
    for (const m of mutantsOf(f, source)) {
      generated++;
      if (emitJs(f, applyMutant(source, m)) !== js) all.push(m);
    }
  }
  const candidates = all.filter((m) => !equivalent.has(mutantKey(m)));
  let chosen = values.sample === undefined ? candidates : seededSample(candidates, int('sample'), int('seed'));
  if (values.recheck) {
    const again = JSON.parse(readFileSync(values.recheck, 'utf8')).results.filter((r) => r.verdict !== 'killed');
    // By text and line; by text alone for an entry whose line moved (one text can stand on several lines).
    const at = new Set(again.map((r) => `${mutantKey(r)}@${r.line}`));
    const moved = new Set(again.filter((r) => !candidates.some((m) => at.has(`${mutantKey(m)}@${m.line}`) && mutantKey(m) === mutantKey(r))).map(mutantKey));
    chosen = candidates.filter((m) => at.has(`${mutantKey(m)}@${m.line}`) || moved.has(mutantKey(m)));
  }
  const id = (m) => `${m.file}:${m.line}`;
  if (values.list) {
    for (const m of chosen) process.stdout.write(`${id(m)} ${m.operator}: ${m.original.replace(/\n/g, ' | ')}  =>  ${m.mutated.replace(/\n/g, ' | ')}\n`);
    // One line a mutant on stdout: `wc -l` counts the chosen ones, which are the report's "candidates" without --sample or --recheck.
    process.stderr.write(`${chosen.length} chosen of ${candidates.length} candidates (${generated} generated, ${generated - all.length} of types only, ${all.length - candidates.length} recorded equivalent)\n`);
    process.exit(0);
  }

  /** One refdev, one run of `filters` on it, stopped at the first test that does not pass or skip. */
  const runOnce = async (config, filters) => {
    if (interrupted) return { outcome: 'interrupted' };
    let refdev;
    try {
      refdev = await startRefdev(config ? { config } : {});
    } catch (e) {
      return { outcome: 'killed', by: 'refdev start', message: String(e.message).split('\n')[0] };
    }
    const controller = (current = new AbortController());
    let first;
    try {
      await runConformance({
        target: { device: accelNodePath(refdev.runtimeDir, 'accel0'), sysfsRoot: refdev.sysfsRoot, spec: '2.0' },
        filters,
        ...(testTimeoutMs === undefined ? {} : { maxTestTimeoutMs: testTimeoutMs }),
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type !== 'result' || first || !['fail', 'error', 'timeout'].includes(e.result.status)) return;
          first = { outcome: 'killed', by: e.result.id, status: e.result.status, message: (e.result.message ?? '').split('\n')[0].slice(0, 300) };
          controller.abort(new Error('killed'));
        },
      });
      return first ?? { outcome: 'survived' };
    } catch (e) {
      if (first) return first;
      if (interrupted) return { outcome: 'interrupted' };
      return { outcome: 'killed', by: 'the run', message: String(e.message).split('\n')[0].slice(0, 300) };
    } finally {
      current = undefined;
      await refdev.stop().catch(() => undefined);
    }
  };

  /** The full-featured refdev, then (for a survivor) the lean ones. */
  const verdictOf = async (without = []) => {
    const full = await runOnce(undefined, suite.filter((t) => !without.includes(t)));
    if (full.outcome !== 'survived') return { ...full, config: 'full' };
    for (const l of LEAN_RUNS) {
      const r = await runOnce(l.config, l.filters);
      if (r.outcome !== 'survived') return { ...r, config: l.name };
    }
    return full;
  };
  const configOf = (r) => LEAN_RUNS.find((l) => l.name === r.config)?.config;
  /** A kill by a test of the suite (not by refdev failing to start, or the run breaking). */
  const byTest = (r) => r.outcome === 'killed' && r.by !== 'refdev start' && r.by !== 'the run';

  const baseline = await verdictOf();
  if (interrupted) {
    process.exitCode = interrupted === 'SIGINT' ? 130 : 143;
  } else if (baseline.outcome !== 'survived') {
    process.stderr.write(`the unmutated refdev does not pass the 2.0 suite: ${baseline.by} ${baseline.message ?? ''}\n`);
    process.exitCode = 2;
  } else {
    const results = [];
    for (const [i, m] of chosen.entries()) {
      if (interrupted || performance.now() - started > budgetMs) break;
      const t0 = performance.now();
      // A kill counts when the killing test, alone, fails on the mutant and passes on the unmutated copy;
      // otherwise (a test the machine's load made flaky) the mutant is run again without that test.
      const flaky = [];
      let r;
      for (let attempt = 1; attempt <= 3; attempt++) {
        const undo = copy.plant(m.file, applyMutant(copy.files.get(m.file).source, m));
        let alone;
        try {
          r = await verdictOf(flaky);
          if (byTest(r)) alone = await runOnce(configOf(r), [r.by]);
        } finally {
          undo();
        }
        if (!byTest(r) || (alone.outcome === 'killed' && (await runOnce(configOf(r), [r.by])).outcome === 'survived')) break;
        if (interrupted) {
          r = { outcome: 'interrupted' };
          break;
        }
        flaky.push(r.by);
        r = { outcome: 'unsure' };
      }
      // Survived only without a test that was flaky here: that test may have been its killer.
      if (flaky.length && r.outcome === 'survived') r = { outcome: 'unsure' };
      if (flaky.length) r.note = `a failure not reproduced alone on the mutant, or seen on the unmutated refdev too; left out: ${flaky.join(', ')}`;
      if (r.outcome === 'interrupted') break;
      const verdict = r.outcome;
      results.push({ id: id(m), ...m, verdict, ...(r.by ? { by: r.by, status: r.status, config: r.config, message: r.message } : {}), ...(r.note ? { note: r.note } : {}), ms: Math.round(performance.now() - t0) });
      process.stderr.write(`[${i + 1}/${chosen.length}] ${verdict.padEnd(8)} ${id(m)} ${m.operator}: ${m.mutated.replace(/\n/g, ' | ')}${r.by ? `  <- ${r.by}` : ''}\n`);
    }
    const count = (v) => results.filter((r) => r.verdict === v).length;
    const killed = count('killed');
    const out = {
      schema: REPORT_SCHEMA,
      spec: '2.0',
      target: 'packages/refdev/src/v2',
      suite: 'conformance 2.0, latency excluded',
      files,
      selection: { sample: int('sample') ?? null, seed: int('seed'), recheck: values.recheck ?? null },
      maxOpenFiles: MAX_OPEN_FILES,
      mutants: { generated, typeOnly: generated - all.length, equivalent: all.length - candidates.length, candidates: candidates.length, chosen: chosen.length },
      run: results.length,
      complete: results.length === chosen.length,
      ...(interrupted ? { interrupted } : {}),
      killed,
      survived: count('survived'),
      unsure: count('unsure'),
      // Unsure mutants count as not killed.
      score: results.length ? Math.round((killed / results.length) * 1000) / 10 : 0,
      durationMs: Math.round(performance.now() - started),
      results,
      equivalent: EQUIVALENT,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    if (interrupted) process.exitCode = interrupted === 'SIGINT' ? 130 : 143;
    else if (out.score < Number(values['min-score'])) process.exitCode = 1;
  }
} finally {
  cleanup();
}
