import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatHtml, histogramSvg } from '../src/reporters/html.js';
import { formatDuration } from '../src/reporters/histogram.js';
import { formatKtap } from '../src/reporters/machine.js';
import { histogramBuckets, sampleReport } from './report-fixture.js';

const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'oa-reporters-'));
  temps.push(d);
  return d;
}

const which = (names: string[]) => names.map((n) => spawnSync('sh', ['-c', `command -v ${n}`], { encoding: 'utf8' }).stdout.trim()).find(Boolean);

/**
 * The kernel's own KTAP reader, tools/testing/kunit/kunit_parser.py (GPL, so never copied here): from
 * $OA_KUNIT_TOOLS, or where .ci/run extracts it from Debian's linux-source package ($OA_KERNEL_WORK/kunit).
 */
function kunitTools(): string | undefined {
  const dirs = [process.env['OA_KUNIT_TOOLS'], join(process.env['OA_KERNEL_WORK'] ?? '/tmp/openaccel-kernel', 'kunit')];
  return dirs.find((d): d is string => d !== undefined && existsSync(join(d, 'kunit_parser.py')) && existsSync(join(d, 'kunit_printer.py')));
}

const PARSE = `
import json, sys
sys.path.insert(0, sys.argv[1])
import kunit_parser
with open(sys.argv[2]) as f:
    test = kunit_parser.parse_run_tests(f.readlines())
def walk(t):
    return {'name': t.name, 'status': t.status.name, 'log': t.log, 'subtests': [walk(s) for s in t.subtests]}
c = test.counts
with open(sys.argv[3], 'w') as f:
    json.dump({'status': test.status.name, 'counts': {'passed': c.passed, 'failed': c.failed, 'crashed': c.crashed, 'skipped': c.skipped, 'errors': c.errors}, 'tree': walk(test)}, f)
`;

describe('KTAP as the kernel tooling reads it', () => {
  it('SKIP carries the reason; ERROR and TIMEOUT are "not ok" with their directive and diagnostics', () => {
    const ktap = formatKtap(sampleReport());
    const lines = ktap.split('\n');
    expect(lines).toContain('  ok 1 memory.sva.copy # SKIP requires sva');
    expect(lines).toContain('  not ok 1 queue.ring.wraparound # TIMEOUT no answer within 10000 ms');
    expect(lines).toContain('  not ok 2 queue.ring.cq_full_no_overwrite # ERROR the test process exited (SIGSEGV) last step: map the CQ');
    // A multi-line message stays diagnostic lines: no line of it can pass for a result or a plan.
    expect(lines).toContain('  # last step: map the CQ');
    expect(lines.filter((l) => /^\s*(ok|not ok) /.test(l))).toHaveLength(9 + 5);
    expect(ktap).toMatch(/ {2}# fail: OA_IOCTL_CREATE_QUEUE with an unknown flag: expected EINVAL, seen 0\n {2}# expected: EINVAL\n {2}# seen: 0 \(success\)\n {2}not ok 1 ioctl\.create_queue\.unknown_flags\.flags\n/);
  });

  it('kunit_parser.py counts every test, shows skips as skipped and errors as failures, with no parse error', (ctx) => {
    const tools = kunitTools();
    if (!tools || !which(['python3'])) {
      ctx.skip();
      return;
    }
    const dir = tempDir();
    writeFileSync(join(dir, 'r.ktap'), formatKtap(sampleReport()));
    const r = spawnSync('python3', ['-c', PARSE, tools, join(dir, 'r.ktap'), join(dir, 'out.json')], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/\[ERROR\]/);
    const parsed = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { status: string; counts: Record<string, number>; tree: { subtests: { name: string; status: string; subtests: { name: string; status: string; log: string[] }[] }[] } };
    expect(parsed.counts).toEqual({ passed: 5, failed: 3, crashed: 0, skipped: 1, errors: 0 });
    expect(parsed.status).toBe('FAILURE');
    const byName = new Map(parsed.tree.subtests.flatMap((a) => a.subtests).map((t) => [t.name, t]));
    expect(byName.get('memory.sva.copy')!.status).toBe('SKIPPED');
    expect(byName.get('queue.ring.wraparound')!.status).toBe('FAILURE');
    expect(byName.get('queue.ring.cq_full_no_overwrite')!.log.join('\n')).toContain('# error: the test process exited (SIGSEGV)');
    expect(parsed.tree.subtests.map((a) => [a.name, a.status])).toEqual([
      ['sysfs', 'SUCCESS'],
      ['ioctl', 'FAILURE'],
      ['memory', 'SUCCESS'],
      ['queue', 'FAILURE'],
      ['latency', 'SUCCESS'],
    ]);
    // What a person sees: the skip and the failures by name.
    expect(r.stdout).toMatch(/\[SKIPPED\] memory\.sva\.copy/);
    expect(r.stdout).toMatch(/\[FAILED\] queue\.ring\.wraparound/);
  }, 180_000);
});

describe('the HTML report', () => {
  it('lists failures first, each with expected and seen', () => {
    const html = formatHtml(sampleReport());
    const failures = html.indexOf('<h2 id="failures">Failures: 3</h2>');
    expect(failures).toBeGreaterThan(0);
    expect(failures).toBeLessThan(html.indexOf('<th>profile</th>'));
    expect(failures).toBeLessThan(html.indexOf('<h2>Latency</h2>'));
    const section = html.slice(failures, html.indexOf('</table>', failures));
    expect(section).toContain('<td><code>ioctl.create_queue.unknown_flags.flags</code></td><td style="color:#c62828;font-weight:bold">fail</td><td>OA_IOCTL_CREATE_QUEUE with an unknown flag: expected EINVAL, seen 0</td><td><code>EINVAL</code></td><td><code>0 (success)</code></td>');
    expect(section).toContain('queue.ring.wraparound');
    expect(section).toContain('queue.ring.cq_full_no_overwrite');
    // In an area, what did not pass comes before what did.
    const queue = html.slice(html.indexOf('<h2>queue</h2>'));
    expect(queue.indexOf('queue.ring.wraparound')).toBeLessThan(queue.indexOf('</table>'));
  });

  it('histogram labels are short at every scale', () => {
    expect([64, 1024, 1536, 1_048_576, 16_777_216, 2_000_000_000].map(formatDuration)).toEqual(['64 ns', '1 µs', '1.5 µs', '1 ms', '17 ms', '2 s']);
    expect(histogramSvg(histogramBuckets())).toMatch(/>samples \(log scale\)</);
  });

  it('in a real browser the axis labels do not overlap and stay inside the picture', (ctx) => {
    const chromium = which(['chromium', 'chromium-browser', 'google-chrome']);
    if (!chromium) {
      ctx.skip();
      return;
    }
    const dir = tempDir();
    // The report as shipped, plus a script of this test's own that measures every text of the histogram.
    const measure = `<script>
      const svg = document.querySelector('svg[aria-label="doorbell round-trip histogram"]');
      const texts = [...svg.querySelectorAll('text')].filter((t) => !t.hasAttribute('transform')).map((t) => { const b = t.getBBox(); return { text: t.textContent, cls: t.getAttribute('class'), x: b.x, y: b.y, w: b.width, h: b.height }; });
      const pre = document.createElement('pre');
      pre.id = 'measured';
      pre.textContent = JSON.stringify({ width: svg.width.baseVal.value, height: svg.height.baseVal.value, texts });
      document.body.appendChild(pre);
    </script>`;
    const page = join(dir, 'report.html');
    writeFileSync(page, formatHtml(sampleReport()).replace('</body>', `${measure}</body>`));
    // timeout(1) runs the browser in its own process group and kills all of it if the deadline passes.
    const browser = (...args: string[]) =>
      spawnSync('timeout', ['-k', '10', '240', chromium, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`, ...args, `file://${page}`], { encoding: 'utf8', maxBuffer: 16 << 20 });
    const dom = browser('--dump-dom');
    expect(dom.status, dom.stderr).toBe(0);
    const json = /<pre id="measured">([^<]*)<\/pre>/.exec(dom.stdout)![1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const m = JSON.parse(json) as { width: number; height: number; texts: { text: string; cls: string | null; x: number; y: number; w: number; h: number }[] };
    const xLabels = m.texts.filter((t) => t.cls === 'x-label');
    const yLabels = m.texts.filter((t) => t.cls === 'y-label');
    expect(xLabels.map((t) => t.text)).toContain('1 ms');
    expect(yLabels.map((t) => t.text)).toEqual(['1', '10', '100', '1k', '10k', '100k']);
    for (const t of m.texts) {
      expect(t.w, t.text).toBeGreaterThan(0);
      expect(t.x >= 0 && t.y >= 0 && t.x + t.w <= m.width && t.y + t.h <= m.height, `${t.text} inside ${m.width}x${m.height}`).toBe(true);
    }
    const overlaps = (a: (typeof m.texts)[number], b: (typeof m.texts)[number]) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
    const clashes = m.texts.flatMap((a, i) => m.texts.slice(i + 1).filter((b) => overlaps(a, b)).map((b) => `${a.text} / ${b.text}`));
    expect(clashes).toEqual([]);
    const shot = browser('--screenshot=' + join(dir, 'report.png'), '--window-size=1100,1400', '--hide-scrollbars');
    expect(shot.status, shot.stderr).toBe(0);
    expect(statSync(join(dir, 'report.png')).size).toBeGreaterThan(10_000);
    if (process.env['OA_KEEP_SCREENSHOT']) writeFileSync(process.env['OA_KEEP_SCREENSHOT'], readFileSync(join(dir, 'report.png')));
  }, 600_000);
});
