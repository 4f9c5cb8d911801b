/**
 * Finding the processes of one run: everything the run starts inherits an environment variable with a
 * fresh value, so its processes are found by that mark (in /proc/PID/environ, as they were started),
 * re-parented or not, without trusting a pid number from before.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface MarkedProcess {
  pid: number;
  cmdline: string;
}

export const MARK_VARIABLE = 'OA_TEST_RUN_MARK';

export function markedProcesses(mark: string): MarkedProcess[] {
  const needle = `${MARK_VARIABLE}=${mark}`;
  const found: MarkedProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      if (!environ.includes(needle)) continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').join(' ').trim();
      // A zombie has an empty command line: it is dead, only not yet reaped by its parent.
      if (cmdline) found.push({ pid: Number(name), cmdline });
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return found;
}

/** Polls until `ok()` holds or the deadline passes; returns whether it held. */
export async function eventually(ok: () => boolean, deadlineMs: number, stepMs = 25): Promise<boolean> {
  const end = performance.now() + deadlineMs;
  for (;;) {
    if (ok()) return true;
    if (performance.now() > end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
