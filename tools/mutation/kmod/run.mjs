#!/usr/bin/env node
/**
 * Mutation testing of kmod's 2.0 C (packages/kmod/accel) in a QEMU guest, on a sample. Copies the module's
 * sources to a private directory, plants one line mutant at a time (c-mutants.mjs) and builds each against
 * the pinned kernel's headers on the host (a mutant that does not compile is `unbuildable`, not killed),
 * then boots one TCG guest (guest-init.sh) that loads each built module in turn, runs the 2.0 probes
 * (packages/kmod/guest/probes-v2.c), checks dmesg and unloads it. The unmutated module runs first and must
 * pass, or the run stops (exit 2). A mutant that panics the guest (oops=panic) or hangs it past
 * --mutant-timeout-s is killed by `crash` or `hang`, and a new guest continues with the rest.
 * Stage 2 (unless --probes-only): the mutants the probes let live are run against the Node 2.0 conformance
 * suite in a guest that reads the repository over 9p (guest-suite.mjs; the repository must be built), the
 * unmutated module first, whose failing tests are left out; a kill counts when the killing test fails alone
 * on the mutant and passes alone on the unmutated module. Mutants recorded in equivalent.json (by file and
 * text; equivalent, or unreachable without fault injection) are drawn like any other but not run, not counted.
 * Needs the kernel tree packages/kmod/ci/kernel-test.sh extracts (OA_KERNEL_WORK, default /tmp/openaccel-kernel).
 * Prints JSON (openaccel-mutation/2) on stdout, progress on stderr. Exit 0; 1 when the score is below
 * --min-score; 2 when the run could not happen; 128+n on a signal. Its temporary directory and any QEMU
 * it started are gone on every exit.
 *
 *   nice -n 19 node tools/mutation/kmod/run.mjs --sample 8 --seed 1
 *   node tools/mutation/kmod/run.mjs --list                    every mutant, without building any
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { applyMutant, seededSample } from '../source-mutants.mjs';
import { mutantsOfC } from './c-mutants.mjs';
import { recordOf } from './recorded.mjs';

export const REPORT_SCHEMA = 'openaccel-mutation/2';
const repo = join(import.meta.dirname, '..', '..', '..');
const ACCEL = join(repo, 'packages', 'kmod', 'accel');
const KREL = '6.12.117+deb12-amd64';
const KW = process.env.OA_KERNEL_WORK ?? '/tmp/openaccel-kernel';
const KDIR = join(KW, 'root', 'usr', 'src', `linux-headers-${KREL}`);
const UAPI = join(KW, 'root', 'usr', 'src', 'linux-headers-6.12.117+deb12-common', 'include', 'uapi');
// The modules 2.0 needs, from the kernel's own package (as packages/kmod/ci/v2-guest.sh loads them).
const MODS = ['drivers/gpu/drm/drm', 'drivers/gpu/drm/drm_kms_helper', 'drivers/gpu/drm/drm_shmem_helper', 'crypto/crypto_null', 'lib/crypto/gf128mul', 'crypto/ghash-generic', 'crypto/gcm', 'crypto/crc32c_generic', 'lib/libcrc32c'];
// uacce.c is left out: the guest loads no uacce.ko (this kernel does not build it), so its code is never reached.
const SKIPPED_FILES = ['uacce.c'];
const NINEP = ['fs/netfs/netfs', 'net/9p/9pnet', 'net/9p/9pnet_virtio', 'fs/9p/9p'];

const { values } = parseArgs({
  options: {
    sample: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    files: { type: 'string' },
    'mutant-timeout-s': { type: 'string', default: '300' },
    'suite-timeout-s': { type: 'string', default: '1800' },
    'probes-only': { type: 'boolean', default: false },
    'boot-timeout-s': { type: 'string', default: '600' },
    'min-score': { type: 'string', default: '0' },
    list: { type: 'boolean', default: false },
  },
});
const int = (name) => {
  const v = values[name];
  if (!/^\d+$/.test(v)) throw new Error(`--${name} takes a non-negative integer, got '${v}'`);
  return Number(v);
};
const log = (s) => process.stderr.write(`${s}\n`);
const started = performance.now();

const files = readdirSync(ACCEL).filter((f) => f.endsWith('.c') && !SKIPPED_FILES.includes(f) && (!values.files || values.files.split(',').includes(f))).sort();
const all = files.flatMap((f) => mutantsOfC(f, readFileSync(join(ACCEL, f), 'utf8')));
const chosen = seededSample(all, int('sample'), int('seed'));
const id = (m) => `${m.file}:${m.line}`;
if (values.list) {
  for (const m of all) process.stdout.write(`${id(m)} ${m.operator}: ${m.original} => ${m.mutated}\n`);
  process.exit(0);
}
if (!existsSync(KDIR)) {
  log(`kmod mutation: run packages/kmod/ci/kernel-test.sh once first (it extracts ${KDIR})`);
  process.exit(2);
}
const nodeSuite = !values['probes-only'];
if (nodeSuite && !existsSync(join(repo, 'conformance', 'dist', 'index.js'))) {
  log('kmod mutation: stage 2 runs the built conformance suite: npm run build first (or --probes-only)');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'oa-kmut-'));
let child; // the make, gcc or QEMU in progress: one at a time
let interrupted;
// Each child leads its own process group (detached), so that make's compilers go with it. Only a child not
// yet reaped is signalled: its group id cannot have been reused.
const stop = () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
};
const cleanup = () => {
  stop();
  rmSync(work, { recursive: true, force: true });
};
process.once('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    interrupted ??= sig;
    stop();
  });
}

/** Runs a command to its end; resolves { code, out } (stdout and stderr together, the last 64 KiB). */
function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    let out = '';
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...opts });
    child = p;
    const keep = (d) => {
      out = (out + d).slice(-65536);
    };
    p.stdout.on('data', keep);
    p.stderr.on('data', keep);
    p.on('error', (e) => keep(String(e)));
    p.on('close', (code, signal) => {
      child = undefined;
      resolve({ code: code ?? 128, signal, out });
    });
  });
}
const must = async (what, cmd, args, opts) => {
  const r = await run(cmd, args, opts);
  if (interrupted) throw new Interrupted();
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.out.slice(-4000)}`);
  return r.out;
};
class Interrupted extends Error {}

/**
 * Boots a guest that runs modules start.. of the initramfs; calls onEnd(index, verdict fields) per line.
 * Resolves with the index of a module that began but never ended (the guest died or hung in it), if any.
 */
function boot(initrd, append, onEnd, { timeoutS = int('mutant-timeout-s'), suite = false, onExclude = () => {} } = {}) {
  return new Promise((resolve) => {
    const args = ['-accel', 'tcg', '-cpu', 'max', '-m', '2G', '-smp', '2', '-no-reboot', '-display', 'none', '-monitor', 'none',
      '-kernel', join(KW, 'root', 'boot', `vmlinuz-${KREL}`), '-initrd', initrd, '-serial', 'stdio',
      '-append', `console=ttyS0 quiet panic=-1 oops=panic ${append}`,
      ...(suite ? ['-virtfs', `local,path=${join(work, 'repo')},mount_tag=repo,security_model=none,readonly=on,id=repo`] : [])];
    const p = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child = p;
    let open; // the index that began and has not ended
    let tail = [];
    let buf = '';
    let timer;
    let timedOut = false;
    const arm = (s) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, s * 1000);
    };
    arm(int('boot-timeout-s'));
    p.stdout.on('data', (d) => {
      buf += d.toString('latin1');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        tail = [...tail.slice(-40), line];
        const x = /^kmut: exclude (\S+) (.*)/.exec(line);
        if (x) onExclude(x[1], x[2]);
        if (line.startsWith('kmut: note ')) log(`[guest] ${line.slice(11)}`);
        const m = /^kmut: (ready|begin|end) (\d+)(?: (\S+)(?: (.*))?)?/.exec(line);
        if (!m) continue;
        const i = Number(m[2]);
        if (m[1] === 'begin') {
          open = i;
          arm(timeoutS);
        } else if (m[1] === 'end') {
          open = undefined;
          onEnd(i, ['survived', 'unsure'].includes(m[3]) ? { verdict: m[3], message: m[4] } : { verdict: 'killed', by: m[4]?.split(' ')[0], message: m[4] });
        }
      }
    });
    p.stderr.on('data', (d) => {
      tail = [...tail.slice(-40), d.toString()];
    });
    p.on('error', (e) => {
      tail.push(String(e));
    });
    p.on('close', () => {
      clearTimeout(timer);
      child = undefined;
      const oops = tail.find((l) => /Kernel panic|BUG:|Oops|general protection|WARNING:/.test(l));
      resolve({ open, timedOut, message: oops?.trim().slice(0, 200), tail });
    });
  });
}

const results = [];
const excluded = new Map(); // test id -> why stage 2 left it out (it fails on the unmutated module, or a kill it made did not reproduce)
let exit = 0;
try {
  log(`kmod mutation: ${all.length} mutants in ${files.join(', ')}; ${chosen.length} drawn by seed ${int('seed')}`);
  const snapshot = join(work, 'repo');
  if (nodeSuite) {
    // Stage 2's guest reads the suite from a copy made now, not the live repository that others rebuild
    // meanwhile: the built packages copied, their node_modules hard-linked (npm replaces files, never rewrites them).
    await must('copying the built repository', 'sh', ['-c', `mkdir -p "$2" && cd "$1" && tar -c --exclude=node_modules --exclude=.out --exclude=.turbo --exclude=.git package.json conformance packages spec tools | tar -x -C "$2" &&
      for d in node_modules conformance/node_modules packages/*/node_modules spec/*/node_modules tools/*/node_modules; do if [ -d "$d" ]; then cp -al "$d" "$2/$d" || exit 1; fi; done`, 'sh', repo, snapshot]);
    await must('loading the copied conformance suite', process.execPath, ['-e', 'import(process.argv[1]).then((m) => { if (!m.V2_TESTS?.length) throw new Error("no V2_TESTS"); })', join(snapshot, 'conformance', 'dist', 'index.js')]);
  }
  const build = join(work, 'accel');
  mkdirSync(build);
  for (const f of readdirSync(ACCEL).filter((n) => /\.(c|h)$|^Kbuild$/.test(n))) copyFileSync(join(ACCEL, f), join(build, f));
  // Kbuild finds spec/ relative to itself; the copy points at this repository's.
  const kbuild = join(build, 'Kbuild');
  writeFileSync(kbuild, readFileSync(kbuild, 'utf8').replace('$(src)/../../../spec', join(repo, 'spec')));
  const make = () => run('make', ['-s', '-C', KDIR, `M=${build}`, 'modules']);

  const S = join(work, 'initrd');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'kmod', 'mut']) mkdirSync(join(S, d), { recursive: true });
  log('kmod mutation: building the unmutated module');
  await must('building the unmutated module', 'make', ['-s', '-C', KDIR, `M=${build}`, 'modules']);
  copyFileSync(join(build, 'openaccel.ko'), join(S, 'mut', '0.ko'));

  // Each mutant is built in the same tree (only its file and the link are rebuilt), then its file restored.
  const built = []; // the mutants with a module, in the guest's order from 1
  for (const [k, m] of chosen.entries()) {
    const rec = recordOf(m);
    if (rec) {
      results.push({ id: id(m), ...m, verdict: rec.kind, reason: rec.reason });
      log(`[build ${k + 1}/${chosen.length}] ${rec.kind} ${id(m)} ${m.operator}: ${m.mutated}`);
      continue;
    }
    const path = join(build, m.file);
    const source = readFileSync(join(ACCEL, m.file), 'utf8');
    writeFileSync(path, applyMutant(source, m));
    const r = await make();
    writeFileSync(path, source);
    if (interrupted) throw new Interrupted();
    if (r.code === 0) {
      built.push(m);
      copyFileSync(join(build, 'openaccel.ko'), join(S, 'mut', `${built.length}.ko`));
    } else {
      const error = /error: .*/.exec(r.out)?.[0]?.slice(0, 200);
      results.push({ id: id(m), ...m, verdict: 'unbuildable', ...(error ? { message: error } : {}) });
    }
    log(`[build ${k + 1}/${chosen.length}] ${r.code === 0 ? 'built' : 'unbuildable'} ${id(m)} ${m.operator}: ${m.mutated}`);
  }

  log('kmod mutation: probes and initramfs');
  const cflags = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-static', '-pthread', '-I', join(repo, 'spec', 'uapi', 'include'), '-D__user=', '-idirafter', UAPI, '-idirafter', join(UAPI, 'drm')];
  await must('building probes-v2', 'gcc-12', [...cflags, '-o', join(S, 'bin', 'probes-v2'), join(repo, 'packages', 'kmod', 'guest', 'probes-v2.c')]);
  copyFileSync('/bin/busybox', join(S, 'bin', 'busybox'));
  const deb = readdirSync(join(KW, 'debs')).find((n) => n.startsWith(`linux-image-${KREL}-unsigned_`));
  if (!deb) throw new Error(`no linux-image-${KREL}-unsigned deb in ${join(KW, 'debs')}`);
  const inDeb = (m) => `./lib/modules/${KREL}/kernel/${m}.ko.xz`;
  const mods = join(work, 'mods');
  mkdirSync(mods);
  await must('unpacking the DRM and crypto modules', 'sh', ['-c', `dpkg --fsys-tarfile "$1" | tar -x -C "$2" ${MODS.map((m) => `'${inDeb(m)}'`).join(' ')}`, 'sh', join(KW, 'debs', deb), mods]);
  for (const m of MODS) {
    const name = m.split('/').pop();
    await must(`unpacking ${name}`, 'sh', ['-c', 'xz -dc "$1" > "$2"', 'sh', join(mods, inDeb(m)), join(S, 'kmod', `${name}.ko`)]);
  }
  writeFileSync(join(S, 'kmod', 'order'), `${MODS.map((m) => m.split('/').pop()).join('\n')}\n`);
  if (nodeSuite) {
    // Stage 2's guest: node with its libraries, and 9p for the repository (as packages/kmod/ci/v2-guest.sh).
    mkdirSync(join(S, 'kmod', '9p'));
    for (const m of NINEP) {
      await must(`unpacking ${m}`, 'sh', ['-c', 'xz -dc "$1" > "$2"', 'sh', join(KW, 'root', 'lib', 'modules', KREL, 'kernel', `${m}.ko.xz`), join(S, 'kmod', '9p', `${m.split('/').pop()}.ko`)]);
    }
    await must('copying node and its libraries', 'sh', ['-c', 'n=$(readlink -f "$(command -v node)") && cp "$n" "$1/bin/node" && for l in $(ldd "$n" | grep -o "/[^ ]*"); do mkdir -p "$1$(dirname "$l")" && cp -L "$l" "$1$l"; done', 'sh', S]);
  }
  writeFileSync(join(S, 'mut', 'count'), `${built.length + 1}\n`);
  copyFileSync(join(import.meta.dirname, 'guest-init.sh'), join(S, 'init'));
  const initrd = join(work, 'initrd.cpio');
  await must('packing the initramfs', 'sh', ['-c', 'chmod +x init && find . | busybox cpio -o -H newc -R 0:0 > "$1" 2>/dev/null', 'sh', initrd], { cwd: S });

  // The guest: module 0 is the unmutated one, 1.. the built mutants.
  const outcome = new Map();
  const record = (i, r) => {
    outcome.set(i, r);
    const m = built[i - 1];
    log(i === 0 ? `[guest] unmutated module: ${r.verdict} ${r.message ?? ''}` : `[guest ${i}/${built.length}] ${r.verdict.padEnd(8)} ${id(m)} ${m.operator}: ${m.mutated}${r.by ? `  <- ${r.by}` : ''}`);
  };
  let start = 0;
  let failedBoots = 0;
  while (start <= built.length) {
    log(`kmod mutation: booting a guest from module ${start}`);
    const b = await boot(initrd, `oa_start=${start}`, record);
    if (interrupted) throw new Interrupted();
    if (b.open !== undefined) {
      record(b.open, { verdict: 'killed', by: b.timedOut ? 'hang' : 'crash', ...(b.message ? { message: b.message } : {}) });
    }
    const done = [...outcome.keys()].filter((i) => i >= start);
    if (done.length === 0) {
      // No module began or ended: the guest itself did not come up.
      if (++failedBoots === 2) throw new Error(`the guest did not start twice; its console ended with:\n${b.tail.join('\n')}`);
      continue;
    }
    failedBoots = 0;
    if (outcome.get(0) && outcome.get(0).verdict !== 'survived') {
      throw new Error(`the unmutated module fails in the guest (${outcome.get(0).by}: ${outcome.get(0).message ?? ''}); no mutant can be judged`);
    }
    start = Math.max(...done) + 1;
  }

  // Stage 2: the probes' survivors against the Node 2.0 suite, the unmutated module first.
  const survivors = [...outcome].filter(([i, r]) => i > 0 && r.verdict === 'survived').map(([i]) => i).sort((a, b) => a - b);
  if (nodeSuite && survivors.length) {
    const second = new Map();
    const record2 = (i, r) => {
      second.set(i, r);
      const m = built[i - 1];
      log(i === 0 ? `[suite] unmutated module: ${r.verdict} ${r.message ?? ''}` : `[suite ${i}/${built.length}] ${r.verdict.padEnd(8)} ${id(m)} ${m.operator}: ${m.mutated}${r.by ? `  <- ${r.by}` : ''}`);
    };
    const onExclude = (test, why) => {
      excluded.set(test, why);
      log(`[suite] left out ${test}: ${why}`);
    };
    let todo = [0, ...survivors];
    let failedBoots = 0;
    while (todo.length) {
      log(`kmod mutation: stage 2, the Node 2.0 suite on modules ${todo.join(',')}`);
      const append = `oa_mode=suite oa_list=${todo.join(',')} oa_exclude=${[...excluded.keys()].join(',')}`;
      const b = await boot(initrd, append, record2, { timeoutS: int('suite-timeout-s'), suite: true, onExclude });
      if (interrupted) throw new Interrupted();
      if (b.open !== undefined) record2(b.open, { verdict: 'killed', by: b.timedOut ? 'hang' : 'crash', ...(b.message ? { message: b.message } : {}) });
      const done = todo.filter((i) => second.has(i));
      if (done.length === 0) {
        if (++failedBoots === 2) throw new Error(`the stage 2 guest did not start twice; its console ended with:\n${b.tail.join('\n')}`);
        continue;
      }
      failedBoots = 0;
      if (second.get(0)?.verdict !== 'survived') throw new Error(`the unmutated module fails the Node suite in the guest (${second.get(0)?.by}: ${second.get(0)?.message ?? ''}); no mutant can be judged`);
      todo = todo.filter((i) => i > Math.max(...done));
    }
    for (const [i, r] of second) if (i > 0) outcome.set(i, { ...r, stage: 'node-suite' });
  }
  for (const [k, m] of built.entries()) results.push({ id: id(m), ...m, stage: 'probes', ...outcome.get(k + 1) });
} catch (e) {
  if (!(e instanceof Interrupted)) {
    log(`kmod mutation: ${e.message}`);
    exit = 2;
  }
} finally {
  stop();
}

if (exit !== 2) {
  const order = new Map(chosen.map((m, i) => [id(m) + m.mutated, i]));
  results.sort((a, b) => order.get(a.id + a.mutated) - order.get(b.id + b.mutated));
  const count = (v) => results.filter((r) => r.verdict === v).length;
  const killed = count('killed');
  const judged = killed + count('survived') + count('unsure');
  const out = {
    schema: REPORT_SCHEMA,
    spec: '2.0',
    target: 'packages/kmod/accel',
    suite: `probes-v2 crc_race smoke defects inflight fences limits sva, dmesg, rmmod (QEMU TCG guest)${nodeSuite ? '; then the Node 2.0 conformance suite, latency excluded' : ''}`,
    files,
    selection: { sample: int('sample'), seed: int('seed'), files: values.files ?? null },
    mutants: { generated: all.length, chosen: chosen.length },
    run: results.length,
    complete: results.length === chosen.length,
    ...(interrupted ? { interrupted } : {}),
    killed,
    survived: count('survived'),
    unsure: count('unsure'),
    unbuildable: count('unbuildable'),
    equivalent: count('equivalent'),
    unreachable: count('unreachable'),
    // Not counted: unbuildable (a compiler error is no test's kill), equivalent and unreachable (equivalent.json,
    // each with its reason). Unsure ones count as not killed.
    score: judged ? Math.round((killed / judged) * 1000) / 10 : 0,
    ...(nodeSuite ? { excludedTests: Object.fromEntries(excluded) } : {}),
    durationMs: Math.round(performance.now() - started),
    results,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  if (interrupted) exit = interrupted === 'SIGINT' ? 130 : 143;
  else if (out.score < Number(values['min-score'])) exit = 1;
}
cleanup();
process.exit(exit);
