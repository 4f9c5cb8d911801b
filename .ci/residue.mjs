// After the tests: did any process or temporary file of the run survive it? The tests run with a private
// TMPDIR and a random marker in their environment, which every process they start inherits; a live
// process whose environment holds the marker, or anything left in that TMPDIR, is residue of the run.
// Prints what it found and exits 1 if anything was left (then removes it, so the next run starts clean).
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const [tmp, marker] = process.argv.slice(2);
if (!tmp || !marker) {
  console.error('usage: residue.mjs TMPDIR MARKER');
  process.exit(2);
}
const needle = `OPENACCEL_CI_RUN=${marker}`;
const MAX_ENVIRON = 1 << 20; // bound the read: an environment is at most a few hundred KiB

function readBounded(path) {
  try {
    const b = readFileSync(path);
    return b.length > MAX_ENVIRON ? b.subarray(0, MAX_ENVIRON) : b;
  } catch {
    return undefined; // the process ended, or is not ours to read
  }
}

const processes = [];
for (const name of readdirSync('/proc')) {
  if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
  const env = readBounded(`/proc/${name}/environ`);
  if (!env || !env.toString('latin1').split('\0').includes(needle)) continue;
  const cmd = (readBounded(`/proc/${name}/cmdline`) ?? Buffer.alloc(0)).toString().split('\0').join(' ').trim();
  processes.push({ pid: Number(name), cmd: cmd.slice(0, 200) });
}
let files = [];
try {
  files = readdirSync(tmp);
} catch {
  files = [];
}
for (const p of processes) console.log(`residue: process ${p.pid} still running: ${p.cmd}`);
for (const f of files) console.log(`residue: ${join(tmp, f)} left behind`);
for (const p of processes) {
  try {
    process.kill(p.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
rmSync(tmp, { recursive: true, force: true });
if (processes.length + files.length > 0) process.exit(1);
console.log('residue: no process or temporary file of the tests outlived them');
