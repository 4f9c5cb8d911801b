/** A self-contained HTML report: verdicts, per-area results, and the doorbell latency histogram as inline SVG. */
import { areaOf } from '../registry.js';
import type { RunReport } from '../runner.js';
import { latencyTable } from './console.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS: Record<string, string> = { pass: '#2e7d32', warn: '#b26a00', skip: '#757575', fail: '#c62828', error: '#6a1b9a', timeout: '#ad1457' };

export function histogramSvg(buckets: { fromNs: number; toNs: number; count: number }[]): string {
  const W = 640;
  const H = 220;
  const max = Math.max(...buckets.map((b) => b.count), 1);
  const bw = Math.floor((W - 60) / Math.max(buckets.length, 1));
  const bars = buckets.map((b, i) => {
    const h = Math.max(1, Math.round(((H - 60) * Math.log10(1 + b.count)) / Math.log10(1 + max)));
    const x = 50 + i * bw;
    const label = b.fromNs >= 1e6 ? `${b.fromNs / 1e6}ms` : b.fromNs >= 1e3 ? `${Math.round(b.fromNs / 1e3)}µs` : `${b.fromNs}ns`;
    return `<rect x="${x}" y="${H - 40 - h}" width="${bw - 4}" height="${h}" fill="#1565c0"><title>${b.fromNs}-${b.toNs} ns: ${b.count}</title></rect><text x="${x + (bw - 4) / 2}" y="${H - 24}" font-size="9" text-anchor="middle">${label}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="doorbell round-trip histogram"><text x="${W / 2}" y="16" text-anchor="middle" font-size="12">doorbell round trip: samples per power-of-two bucket (log scale)</text>${bars.join('')}<line x1="46" y1="${H - 40}" x2="${W - 10}" y2="${H - 40}" stroke="#333"/></svg>`;
}

export function formatHtml(r: RunReport): string {
  const areas = [...new Set(r.tests.map((t) => areaOf(t.id)))];
  const door = r.tests.find((t) => t.id === 'latency.doorbell.round_trip')?.metrics as { histogram?: { fromNs: number; toNs: number; count: number }[] } | undefined;
  const rows = (a: string) =>
    r.tests
      .filter((t) => areaOf(t.id) === a)
      .map((t) => `<tr><td><code>${esc(t.id)}</code></td><td style="color:${COLORS[t.status]};font-weight:bold">${t.status}</td><td>${t.durationMs} ms</td><td>${esc(t.message ?? '')}${t.expected !== undefined ? `<br><small>expected ${esc(t.expected)}; seen ${esc(t.seen ?? '')}</small>` : ''}</td></tr>`)
      .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OpenAccel conformance: ${esc(r.device.info.name)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;width:100%;margin-bottom:1.5em}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}pre{background:#f5f5f5;padding:1em;overflow:auto}</style></head>
<body><h1>OpenAccel conformance ${esc(r.specVersion)}: ${esc(r.device.info.name)}</h1>
<p>Device <code>${esc(r.device.node)}</code>, manifest ${esc(r.manifest.path ?? 'none')}, ${r.tests.length} tests in ${(r.durationMs / 1000).toFixed(1)} s, ${esc(r.environment.kernel)} ${esc(r.environment.arch)}, Node ${esc(r.environment.node)}.</p>
<h2>Verdict: ${r.verdict}</h2>
<table><tr><th>profile</th><th>claimed</th><th>verdict</th><th>mandatory tests passed</th></tr>${r.profiles.map((p) => `<tr><td>${p.profile}</td><td>${p.claimed ? 'yes' : 'no'}</td><td>${p.verdict}</td><td>${p.passed}/${p.mandatory}</td></tr>`).join('')}</table>
<h2>Latency</h2>${door?.histogram ? histogramSvg(door.histogram) : '<p>not measured</p>'}<pre>${esc(latencyTable(r) ?? '')}</pre>
${areas.map((a) => `<h2>${a}</h2><table><tr><th>test</th><th>status</th><th>time</th><th>detail</th></tr>${rows(a)}</table>`).join('\n')}
</body></html>
`;
}
