/** The console report: failures with expected and seen, a summary by area and by skip reason, profile verdicts, latency. */
import { areaOf } from '../registry.js';
import type { RunEvent, RunReport } from '../runner.js';
import type { TestResult } from '../model.js';

const STATUSES: TestResult['status'][] = ['pass', 'fail', 'skip', 'warn', 'error', 'timeout'];

/** One progress line per event: failures in full, passes as a counter. */
export function progressLine(e: RunEvent): string | undefined {
  if (e.type === 'start') return `running ${e.total} tests`;
  const r = e.result;
  if (r.status === 'pass') return e.index % 25 === 0 || e.index === e.total ? `  [${e.index}/${e.total}] ...` : undefined;
  return `  [${e.index}/${e.total}] ${r.status.toUpperCase().padEnd(7)} ${r.id}${r.message ? `: ${r.message}` : ''}`;
}

export function formatConsole(r: RunReport): string {
  const out: string[] = [];
  out.push(`OpenAccel conformance ${r.specVersion}: ${r.device.node} (${r.device.info.name})`);
  out.push(`manifest: ${r.manifest.path ?? 'none (profiles implied by the device capabilities)'}`);
  out.push(`${r.tests.length} tests in ${(r.durationMs / 1000).toFixed(1)} s: ${STATUSES.filter((s) => r.totals[s]).map((s) => `${r.totals[s]} ${s}`).join(', ')}`);
  const bad = r.tests.filter((t) => t.status === 'fail' || t.status === 'error' || t.status === 'timeout');
  if (bad.length) {
    out.push('', 'failures:');
    for (const t of bad) {
      out.push(`  ${t.status.toUpperCase()} ${t.id}`, `    ${t.message ?? ''}`);
      if (t.expected !== undefined) out.push(`    expected: ${t.expected}`, `    seen:     ${t.seen}`);
    }
  }
  const areas = [...new Set(r.tests.map((t) => areaOf(t.id)))];
  out.push('', `${'area'.padEnd(12)}${STATUSES.map((s) => s.padStart(8)).join('')}`);
  for (const a of areas) {
    const ts = r.tests.filter((t) => areaOf(t.id) === a);
    out.push(`${a.padEnd(12)}${STATUSES.map((s) => String(ts.filter((t) => t.status === s).length).padStart(8)).join('')}`);
  }
  const skips = new Map<string, string[]>();
  for (const t of r.tests) if (t.status === 'skip') skips.set(t.missing ?? 'unknown', [...(skips.get(t.missing ?? 'unknown') ?? []), t.id]);
  if (skips.size) {
    out.push('', 'skipped, by what the device lacks:');
    for (const [why, ids] of skips) out.push(`  ${why}: ${ids.length} (${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', ...' : ''})`);
  }
  out.push('', `${'profile'.padEnd(10)}${'claimed'.padEnd(10)}${'verdict'.padEnd(16)}mandatory tests passed`);
  for (const p of r.profiles) {
    out.push(`${p.profile.padEnd(10)}${(p.claimed ? 'yes' : 'no').padEnd(10)}${p.verdict.padEnd(16)}${p.passed}/${p.mandatory}${p.failing.length ? `  (not passed: ${p.failing.slice(0, 3).map((f) => `${f.id} ${f.status}`).join(', ')}${p.failing.length > 3 ? ', ...' : ''})` : ''}`);
  }
  const lat = latencyTable(r);
  if (lat) out.push('', lat);
  out.push('', `verdict: ${r.verdict.toUpperCase()}${r.claimed.length ? ` for ${r.claimed.join(', ')}` : ' (no profile claimed)'}`);
  return out.join('\n');
}

type Stats = { p50_ns: number; p90_ns: number; p99_ns: number; p99_9_ns: number; max_ns: number };

export function latencyTable(r: RunReport): string | undefined {
  const door = r.tests.find((t) => t.id === 'latency.doorbell.round_trip')?.metrics as { doorbell?: Stats; baseline_js?: Stats; ratio_p50?: number } | undefined;
  const io = r.tests.find((t) => t.id === 'latency.ioctl.round_trip')?.metrics as { ioctl?: Stats } | undefined;
  if (!door?.doorbell) return undefined;
  const row = (name: string, s: Stats) => `${name.padEnd(28)}${[s.p50_ns, s.p90_ns, s.p99_ns, s.p99_9_ns, s.max_ns].map((x) => String(x).padStart(10)).join('')}`;
  const lines = [`${'latency (ns)'.padEnd(28)}${['p50', 'p90', 'p99', 'p99.9', 'max'].map((x) => x.padStart(10)).join('')}`, row('doorbell NOP round trip', door.doorbell)];
  if (door.baseline_js) lines.push(row('baseline: JS ping-pong', door.baseline_js));
  if (io?.ioctl) lines.push(row('ioctl path (SUBMIT + wait)', io.ioctl));
  lines.push(`doorbell p50 / baseline p50: ${door.ratio_p50}${io?.ioctl ? `; ioctl p50 / doorbell p50: ${(io.ioctl.p50_ns / door.doorbell.p50_ns).toFixed(1)}` : ''} (verdicts use percentiles, never the max)`);
  return lines.join('\n');
}
