import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsNs from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { REFDEV_FAULTS, startRefdev, type RefdevProcess } from '@openaccel/refdev';
import { ALL_TESTS, DEFAULT_TEST_TIMEOUT_MS, formatHtml, formatJson, formatJunit, formatKtap, globMatcher, runConformance, selectTests, type RunReport } from '@openaccel/conformance';

/**
 * What a run may take: each selected test's own time limit (the runner enforces it), plus starting the
 * refdev and the test processes on a machine that may be busy.
 */
const STARTUP_MS = 300000;
const runBudgetMs = (filters: string[] = []) => selectTests(filters).reduce((sum, t) => sum + (t.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS), STARTUP_MS);

const target = (r: RefdevProcess) => {
  const manifestPath = join(r.runtimeDir, 'manifests', 'accel0.json');
  return { device: r.node('accel0'), sysfsRoot: r.sysfsRoot, manifest: JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath };
};

describe('the test registry', () => {
  it('ids are unique, hierarchical, and every test is mandatory for some profile', () => {
    const ids = ALL_TESTS.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const t of ALL_TESTS) {
      expect(t.id).toMatch(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/);
      expect(t.profiles.length).toBeGreaterThan(0);
      expect(t.doc.length).toBeGreaterThan(10);
    }
    expect(ALL_TESTS.length).toBeGreaterThan(100);
  });

  it('globs select by segment', () => {
    expect(globMatcher('queue.*.wraparound')('queue.ring.wraparound')).toBe(true);
    expect(globMatcher('queue.*')('queue.ring.wraparound')).toBe(false);
    expect(globMatcher('queue.**')('queue.ring.wraparound')).toBe(true);
    expect(globMatcher('mmap')('mmap.map_once')).toBe(true);
    expect(selectTests(['ioctl.**.unknown_flags.*']).length).toBeGreaterThan(5);
  });

  it('every errno rule of every ioctl is covered by a test named after the ioctl', () => {
    for (const name of ['get_info', 'bind_context', 'create_queue', 'destroy_queue', 'set_eventfd', 'submit', 'query_memory', 'alloc_memory', 'free_memory', 'import_dmabuf', 'export_dmabuf']) {
      expect(selectTests([`ioctl.${name}`]).length, name).toBeGreaterThanOrEqual(4);
    }
  });
});

describe('a run on the correct refdev', () => {
  let refdev: RefdevProcess;
  let report: RunReport;

  beforeAll(async () => {
    refdev = await startRefdev();
    report = await runConformance({ target: target(refdev) });
  }, runBudgetMs());

  afterAll(async () => {
    await refdev?.stop();
  });

  it('passes every test and conforms to every profile it claims', () => {
    // Latency on a busy machine may earn a remark (warn), never a failure.
    const ok = (t: { id: string; status: string }) => t.status === 'pass' || (t.status === 'warn' && t.id.startsWith('latency.'));
    expect(report.tests.filter((t) => !ok(t)).map((t) => `${t.id}: ${t.status} ${t.message}`)).toEqual([]);
    expect(report.verdict).toBe('conformant');
    expect(report.claimed).toEqual(['core', 'queue', 'sva', 'dmabuf', 'chain']);
    expect(report.profiles.every((p) => p.verdict === 'conformant')).toBe(true);
  });

  it('measures latency with percentiles and a same-run baseline', () => {
    const m = report.tests.find((t) => t.id === 'latency.doorbell.round_trip')!.metrics as { doorbell: { p50_ns: number; p99_ns: number }; baseline_js: { p50_ns: number }; histogram: unknown[] };
    expect(m.doorbell.p50_ns).toBeGreaterThan(0);
    expect(m.doorbell.p50_ns).toBeLessThanOrEqual(m.doorbell.p99_ns);
    expect(m.baseline_js.p50_ns).toBeGreaterThan(0);
    expect(m.histogram.length).toBeGreaterThan(0);
  });

  it('the JSON report validates against the committed schema', () => {
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'schema', 'results-1.json'), 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormatsNs.default(ajv);
    const validate = ajv.compile(schema);
    const ok = validate(JSON.parse(formatJson(report)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('JUnit, KTAP and HTML say the same', () => {
    const junit = formatJunit(report);
    expect(junit).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="openaccel-conformance" tests="\d+" failures="0"/);
    expect((junit.match(/<testcase /g) ?? []).length).toBe(report.tests.length);
    const ktap = formatKtap(report);
    expect(ktap.split('\n')[0]).toBe('KTAP version 1');
    expect(ktap).toContain(`# Totals: pass:${report.tests.length} fail:0`);
    expect(ktap).not.toMatch(/^not ok/m);
    const html = formatHtml(report);
    expect(html).toMatch(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*aria-label="doorbell round-trip histogram">/);
    expect(html).toContain('<h2>Verdict: conformant</h2>');
  });
});

describe('the suite proves itself', () => {
  it('there are at least 15 faults, each naming a test that exists', () => {
    expect(REFDEV_FAULTS.length).toBeGreaterThanOrEqual(15);
    for (const f of REFDEV_FAULTS) expect(ALL_TESTS.some((t) => t.id === f.caughtBy), f.caughtBy).toBe(true);
  });

  it.each(REFDEV_FAULTS.map((f) => [f.name, f.caughtBy]))('fault %s fails %s, and the run is not conformant', async (name, caughtBy) => {
    const r = await startRefdev({ config: { faults: [name] } });
    try {
      const report = await runConformance({ target: target(r), filters: [caughtBy] });
      const t = report.tests.find((x) => x.id === caughtBy)!;
      expect(t.status, t.message).toBe('fail');
      expect(report.verdict).toBe('not-conformant');
    } finally {
      await r.stop();
    }
  }, Math.max(...REFDEV_FAULTS.map((f) => runBudgetMs([f.caughtBy]))));
});

describe('a device that hangs', () => {
  it('each test is recorded as timeout and the run goes on', async () => {
    const r = await startRefdev();
    // Runs even when the test times out: a refdev left stopped would outlive everything.
    onTestFinished(async () => {
      r.child.kill('SIGCONT');
      await r.stop();
    });
    try {
      r.child.kill('SIGSTOP');
      const tgt = target(r);
      // The runner asks for the device info first: a device that never answers cannot be run against.
      await expect(runConformance({ target: tgt, maxTestTimeoutMs: 1000 })).rejects.toThrow(/did not answer OA_IOCTL_GET_INFO within 1000 ms/);
      // A device that answers, then hangs: every hung test is a timeout, and the run goes on to the end.
      r.child.kill('SIGCONT');
      const onEvent = (e: { type: string }) => e.type === 'start' && r.child.kill('SIGSTOP');
      const report = await runConformance({ target: tgt, filters: ['ioctl.get_info.values', 'ioctl.common.unknown_nr'], maxTestTimeoutMs: 1500, onEvent });
      expect(report.tests.map((t) => [t.id, t.status])).toEqual([
        ['ioctl.common.unknown_nr', 'timeout'],
        ['ioctl.get_info.values', 'timeout'],
      ]);
      expect(report.tests[0]!.message).toMatch(/no result within 1500 ms; the test process was killed/);
      expect(report.verdict).toBe('not-conformant');
    } finally {
      r.child.kill('SIGCONT');
      await r.stop();
    }
  }, STARTUP_MS + 1000 + 2 * 1500);
});
