/** Reports for machines: versioned JSON, JUnit XML, KTAP, and the claim bundle for vendors. */
import type { Manifest } from '@openaccel/capabilities';
import { areaOf } from '../registry.js';
import type { RunReport } from '../runner.js';
import type { TestResult } from '../model.js';

export function formatJson(r: RunReport): string {
  return `${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function formatJunit(r: RunReport): string {
  const areas = [...new Set(r.tests.map((t) => areaOf(t.id)))];
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="openaccel-conformance" tests="${r.tests.length}" failures="${r.totals.fail}" errors="${r.totals.error + r.totals.timeout}" skipped="${r.totals.skip}" time="${(r.durationMs / 1000).toFixed(3)}">`];
  for (const a of areas) {
    const ts = r.tests.filter((t) => areaOf(t.id) === a);
    const n = (s: string) => ts.filter((t) => t.status === s).length;
    out.push(`  <testsuite name="${a}" tests="${ts.length}" failures="${n('fail')}" errors="${n('error') + n('timeout')}" skipped="${n('skip')}" time="${(ts.reduce((x, t) => x + t.durationMs, 0) / 1000).toFixed(3)}">`);
    for (const t of ts) {
      out.push(`    <testcase classname="${a}" name="${xml(t.id)}" time="${(t.durationMs / 1000).toFixed(3)}">`);
      if (t.status === 'fail') out.push(`      <failure message="${xml(t.message ?? '')}">expected: ${xml(t.expected ?? '')}\nseen: ${xml(t.seen ?? '')}</failure>`);
      if (t.status === 'error' || t.status === 'timeout') out.push(`      <error type="${t.status}" message="${xml(t.message ?? '')}"/>`);
      if (t.status === 'skip') out.push(`      <skipped message="${xml(`missing ${t.missing ?? ''}`)}"/>`);
      if (t.status === 'warn') out.push(`      <system-out>${xml(`warning: ${t.message ?? ''}`)}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

/** KTAP diagnostic data stays on its result line: a line break would end it early. */
const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

/**
 * The directive of a result line (Documentation/dev-tools/ktap.rst): SKIP with the reason, TIMEOUT and ERROR
 * on "not ok" lines so a reader tells them from a failed check; kunit_parser.py falls back to "not ok" for them.
 */
function ktapDirective(t: TestResult): string {
  if (t.status === 'skip') return ` # SKIP ${oneLine(t.message ?? `requires ${t.missing ?? 'a capability the device lacks'}`)}`;
  if (t.status === 'timeout') return ` # TIMEOUT ${oneLine(t.message ?? '')}`.trimEnd();
  if (t.status === 'error') return ` # ERROR ${oneLine(t.message ?? '')}`.trimEnd();
  return '';
}

/** Diagnostic lines before a result: what failed and why, one `#` line per line of text. */
function ktapDiagnostics(t: TestResult): string[] {
  const lines: string[] = [];
  if (t.status !== 'pass' && t.status !== 'skip') lines.push(...`${t.status}: ${t.message ?? ''}`.split('\n'));
  if (t.status === 'fail' && t.expected !== undefined) lines.push(`expected: ${oneLine(t.expected)}`, `seen: ${oneLine(t.seen ?? '')}`);
  return lines.map((l) => `  # ${l}`.trimEnd());
}

/** KTAP version 1 (Documentation/dev-tools/ktap.rst): one subtest block per area. */
export function formatKtap(r: RunReport): string {
  const areas = [...new Set(r.tests.map((t) => areaOf(t.id)))];
  const out = ['KTAP version 1', `# OpenAccel conformance ${r.specVersion} on ${oneLine(r.device.node)}`, `1..${areas.length}`];
  areas.forEach((a, i) => {
    const ts = r.tests.filter((t) => areaOf(t.id) === a);
    out.push('  KTAP version 1', `  # Subtest: ${a}`, `  1..${ts.length}`);
    ts.forEach((t, j) => {
      const ok = t.status === 'pass' || t.status === 'warn' || t.status === 'skip';
      out.push(...ktapDiagnostics(t), `  ${ok ? 'ok' : 'not ok'} ${j + 1} ${t.id}${ktapDirective(t)}`);
    });
    const failed = ts.some((t) => t.status === 'fail' || t.status === 'error' || t.status === 'timeout');
    const allSkipped = ts.every((t) => t.status === 'skip');
    out.push(`${failed ? 'not ok' : 'ok'} ${i + 1} ${a}${allSkipped ? ' # SKIP every test of the area was skipped' : ''}`);
  });
  const T = r.totals;
  out.push(`# Totals: pass:${T.pass + T.warn} fail:${T.fail} xfail:0 xpass:0 skip:${T.skip} error:${T.error + T.timeout}`, '');
  return out.join('\n');
}

/** What a vendor submits: results, the manifest, the environment and the spec version, in one file. */
export function claimBundle(r: RunReport, manifest: Manifest | undefined): string {
  return formatJson({ schema: 'openaccel-claim/1', specVersion: r.specVersion, environment: r.environment, manifest: manifest ?? null, verdict: r.verdict, claimed: r.claimed, results: r } as never);
}
