/** A native run as text for a person: one line per test with its rule's source, then the verdict per profile. */
import type { NativeRunReport } from './native-runner.js';

const MARK: Record<string, string> = { pass: 'PASS', warn: 'WARN', skip: 'SKIP', fail: 'FAIL', error: 'ERR ', timeout: 'TIME' };

export function formatNativeConsole(r: NativeRunReport): string {
  const lines = [`${r.device.path}: ${r.device.kind}${r.device.sysfsDir ? ` (${r.device.sysfsDir})` : ''}, kernel ${r.environment.kernel}`];
  for (const t of r.tests) {
    lines.push(`${MARK[t.status]} ${t.profile.padEnd(15)} ${t.id}`);
    const detail = t.status === 'fail' && t.expected !== undefined && !(t.message ?? '').includes('expected') ? ` (expected ${t.expected}, seen ${t.seen})` : '';
    if (t.status !== 'pass') lines.push(`       ${t.message ?? ''}${detail}`);
    if (t.status === 'fail' || t.status === 'error') lines.push(`       rule: ${t.source}`);
  }
  for (const p of r.profiles) {
    lines.push(`${p.profile}: ${p.verdict} (${p.passed} of ${p.tests} passed, ${p.skipped} skipped${p.failing.length ? `, failing: ${p.failing.map((f) => f.id).join(', ')}` : ''})`);
  }
  lines.push(`verdict: ${r.verdict}`);
  return lines.join('\n');
}

/** The report as versioned JSON. */
export function formatNativeJson(r: NativeRunReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
