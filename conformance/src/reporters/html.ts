/** A self-contained HTML report: what failed first (expected and seen), verdicts, latency histogram, then every test by area. */
import type { TestResult } from '../model.js';
import { areaOf } from '../registry.js';
import type { RunReport } from '../runner.js';
import { latencyTable } from './console.js';
import { histogramSvg, type Bucket } from './histogram.js';

export { histogramSvg } from './histogram.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLORS: Record<string, string> = { pass: '#2e7d32', warn: '#b26a00', skip: '#757575', fail: '#c62828', error: '#6a1b9a', timeout: '#ad1457' };
const isBad = (t: TestResult) => t.status === 'fail' || t.status === 'error' || t.status === 'timeout';
const status = (t: TestResult) => `<td style="color:${COLORS[t.status]};font-weight:bold">${t.status}</td>`;

function failuresSection(bad: readonly TestResult[]): string {
  if (bad.length === 0) return '<h2 id="failures">Failures: none</h2>';
  const rows = bad.map((t) => `<tr><td><code>${esc(t.id)}</code></td>${status(t)}<td>${esc(t.message ?? '')}</td><td><code>${esc(t.expected ?? '')}</code></td><td><code>${esc(t.seen ?? '')}</code></td></tr>`);
  return `<h2 id="failures">Failures: ${bad.length}</h2><table class="failures"><tr><th>test</th><th>status</th><th>what</th><th>expected</th><th>seen</th></tr>${rows.join('')}</table>`;
}

export function formatHtml(r: RunReport): string {
  const areas = [...new Set(r.tests.map((t) => areaOf(t.id)))];
  const door = r.tests.find((t) => t.id === 'latency.doorbell.round_trip')?.metrics as { histogram?: Bucket[] } | undefined;
  // Within an area too, what did not pass comes first.
  const rows = (a: string) =>
    r.tests
      .filter((t) => areaOf(t.id) === a)
      .sort((x, y) => Number(isBad(y)) - Number(isBad(x)))
      .map((t) => `<tr><td><code>${esc(t.id)}</code></td>${status(t)}<td>${t.durationMs} ms</td><td>${esc(t.message ?? '')}${t.expected !== undefined ? `<br><small>expected ${esc(t.expected)}; seen ${esc(t.seen ?? '')}</small>` : ''}</td></tr>`)
      .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OpenAccel conformance: ${esc(r.device.info.name)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;width:100%;margin-bottom:1.5em}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}table.failures td{background:#fdecea}pre{background:#f5f5f5;padding:1em;overflow:auto}</style></head>
<body><h1>OpenAccel conformance ${esc(r.specVersion)}: ${esc(r.device.info.name)}</h1>
<p>Device <code>${esc(r.device.node)}</code>, manifest ${esc(r.manifest.path ?? 'none')}, ${r.tests.length} tests in ${(r.durationMs / 1000).toFixed(1)} s, ${esc(r.environment.kernel)} ${esc(r.environment.arch)}, Node ${esc(r.environment.node)}.</p>
<h2>Verdict: ${r.verdict}</h2>
${failuresSection(r.tests.filter(isBad))}
<table><tr><th>profile</th><th>claimed</th><th>verdict</th><th>mandatory tests passed</th></tr>${r.profiles.map((p) => `<tr><td>${p.profile}</td><td>${p.claimed ? 'yes' : 'no'}</td><td>${p.verdict}</td><td>${p.passed}/${p.mandatory}</td></tr>`).join('')}</table>
<h2>Latency</h2>${door?.histogram?.length ? histogramSvg(door.histogram) : '<p>not measured</p>'}<pre>${esc(latencyTable(r) ?? '')}</pre>
${areas.map((a) => `<h2>${a}</h2><table><tr><th>test</th><th>status</th><th>time</th><th>detail</th></tr>${rows(a)}</table>`).join('\n')}
</body></html>
`;
}
