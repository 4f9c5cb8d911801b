#!/usr/bin/env node
/**
 * Stage 2 of kmod/run.mjs, inside the guest (guest-init.sh starts it with oa_mode=suite): the Node 2.0
 * conformance suite (latency excluded: its verdict depends on load) against /dev/accel/accel0 of each
 * module named by oa_list= on the kernel command line, the repository read over 9p at /repo.
 *
 *   node guest-suite.mjs drive               the loop: insmod, suite, rmmod, dmesg; "kmut:" lines on stdout
 *   node guest-suite.mjs run stop|all IDS    one run of the tests IDS (comma-separated) in a process of its own
 *
 * Module 0 is the unmutated one: the tests that fail there are reported (`kmut: exclude ID`) and left out
 * of every mutant's run. A mutant is killed by the first test that fails, errors or times out, and the kill
 * counts only when that test, alone, fails on the mutant again and passes on the unmutated module;
 * otherwise the test is excluded as flaky and the mutant run again without it (`unsure` after three tries).
 * Each run is a child process so that no file it opened keeps the module from unloading.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..', '..');
const say = (s) => process.stdout.write(`kmut: ${s}\n`);
// Not a test: the run itself broke (the suite could not load, or the child died before it finished).
const RUN = '(run)';
const oneLine = (s) => String(s ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);

async function runTests(mode, ids) {
  const { runConformance } = await import(join(repo, 'conformance', 'dist', 'index.js'));
  const controller = new AbortController();
  let first;
  try {
    await runConformance({
      target: { device: '/dev/accel/accel0', sysfsRoot: '/sys', spec: '2.0' },
      filters: ids,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type !== 'result' || !['fail', 'error', 'timeout'].includes(e.result.status)) return;
        process.stdout.write(`${JSON.stringify({ id: e.result.id, status: e.result.status, message: oneLine(e.result.message) })}\n`);
        if (mode === 'stop' && !first) {
          first = e.result.id;
          controller.abort(new Error('stopped at the first failing test'));
        }
      },
    });
  } catch (e) {
    if (!first) process.stdout.write(`${JSON.stringify({ id: RUN, status: 'error', message: oneLine(e.message) })}\n`);
  }
  process.stdout.write(`${JSON.stringify({ done: true })}\n`);
}

/**
 * The failures of one run in a child process, in order. Its exit status is not looked at (an exit hook of
 * a loaded module may change it); a run that did not print its last line broke.
 */
function child(mode, ids) {
  const r = spawnSync(process.execPath, [import.meta.filename, 'run', mode, ids.join(',')], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const lines = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const failures = lines.filter((l) => !l.done);
  if (!lines.some((l) => l.done) && failures.length === 0) failures.push({ id: RUN, status: 'error', message: oneLine(`exit ${r.status ?? r.signal}: ${r.stderr}`) });
  return failures;
}

const sh = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' });
const SUSPECT = /blocked for more than|WARNING:|BUG:|Oops|Call Trace|refcount_t/;
/** Unloads the module and checks dmesg: a reason the kernel is suspect, or undefined. */
function unload() {
  if (sh('rmmod', ['openaccel']).status !== 0) return 'rmmod refused after the suite';
  const bad = execFileSync('dmesg', ['-c'], { encoding: 'utf8' }).split('\n').find((l) => SUSPECT.test(l));
  return bad ? `dmesg ${oneLine(bad)}` : undefined;
}
const load = (i) => {
  const r = sh('insmod', [`/mut/${i}.ko`]);
  return r.status === 0 ? undefined : `insmod ${oneLine(r.stderr)}`;
};

async function drive() {
  const cmdline = readFileSync('/proc/cmdline', 'utf8');
  const arg = (name) => new RegExp(`\\b${name}=(\\S*)`).exec(cmdline)?.[1] ?? '';
  const list = arg('oa_list').split(',').filter(Boolean).map(Number);
  const exclude = new Set(arg('oa_exclude').split(',').filter(Boolean));
  const { V2_TESTS } = await import(join(repo, 'conformance', 'dist', 'index.js'));
  const all = V2_TESTS.map((t) => t.id).filter((id) => !id.startsWith('latency.'));
  const suite = () => all.filter((id) => !exclude.has(id));
  say(`ready ${list.join(',')} ${all.length} tests`);
  for (const i of list) {
    say(`begin ${i}`);
    if (i === 0) {
      let failures;
      for (let attempt = 1; attempt <= 3 && !failures; attempt++) {
        const refused = load(0);
        if (refused) return say(`end 0 killed ${refused}`);
        failures = child('all', suite());
        const broke = failures.find((f) => f.id === RUN);
        if (broke) {
          failures = undefined;
          say(`note 0 the run broke: ${broke.message}`);
          const bad = unload();
          if (bad) return say(`end 0 killed ${bad}`);
        }
      }
      if (!failures) return say(`end 0 killed ${RUN} three runs of the suite broke`);
      for (const f of failures) {
        exclude.add(f.id);
        say(`exclude ${f.id} ${f.status} on the unmutated module: ${f.message}`);
      }
      const bad = unload();
      if (bad) return say(`end 0 killed ${bad}`);
      say(`end 0 survived ${suite().length} tests passed`);
      continue;
    }
    let verdict;
    for (let attempt = 1; attempt <= 3 && !verdict; attempt++) {
      const refused = load(i);
      if (refused) return say(`end ${i} killed ${refused}`);
      const [first] = child('stop', suite());
      const bad = unload();
      if (bad) return say(`end ${i} killed ${bad}`);
      if (!first) {
        verdict = `survived ${suite().length} tests passed`;
        break;
      }
      if (first.id === RUN) {
        // Not the mutant's doing as far as anyone can tell (the suite is read over 9p while others build): again.
        say(`note ${i} the run broke: ${first.message}`);
        continue;
      }
      // Confirm: the test alone fails on the mutant and passes on the unmutated module.
      const again = load(i) ?? (child('stop', [first.id]).length ? 'fails' : 'passes');
      const bad2 = unload();
      if (bad2) return say(`end ${i} killed ${bad2}`);
      const base = load(0) ?? (child('stop', [first.id]).length ? 'fails' : 'passes');
      const bad0 = unload();
      if (bad0) return say(`end ${i} killed unmutated module after the confirmation: ${bad0}`);
      if (again === 'fails' && base === 'passes') {
        verdict = `killed suite:${first.id} ${first.status}: ${first.message}`;
        break;
      }
      exclude.add(first.id);
      say(`exclude ${first.id} flaky: alone it ${again} on the mutant and ${base} on the unmutated module`);
    }
    say(`end ${i} ${verdict ?? 'unsure three runs broke or their killing tests did not reproduce alone'}`);
  }
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'run') await runTests(rest[0], rest[1].split(','));
else if (mode === 'drive') await drive();
else {
  process.stderr.write('usage: guest-suite.mjs drive | run stop|all IDS\n');
  process.exitCode = 2;
}
