import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readJson } from './workspaces.js';

/** A command that could not be run or ended in a way the check cannot read. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super(`${command} exited ${status ?? 'on a signal'}: ${stderr.trim().slice(0, 2000)}`);
    this.name = 'CommandError';
  }
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

// Output of npm, attw, turbo and tar for a dozen packages is a few MB at most; more is refused, not read.
const MAX_OUTPUT = 64 << 20;

/** Runs a command to completion (its process is gone when this returns) and returns what it printed. */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): RunResult {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: MAX_OUTPUT, killSignal: 'SIGKILL' });
  if (r.error) throw new CommandError([cmd, ...args].join(' '), null, r.error.message);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like run, but a non-zero exit is an error. */
export function runOk(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): string {
  const r = run(cmd, args, cwd, env);
  if (r.status !== 0) throw new CommandError([cmd, ...args].join(' '), r.status, r.stderr);
  return r.stdout;
}

/** The file of a bin that an installed dependency declares (run with node, whatever its mode bits). */
export function packageBin(pkg: string, bin: string): string {
  const pkgFile = createRequire(import.meta.url).resolve(`${pkg}/package.json`);
  const file = readJson<{ bin?: Record<string, string> }>(pkgFile).bin?.[bin];
  if (!file) throw new Error(`${pkg} has no bin "${bin}"`);
  return join(dirname(pkgFile), file);
}
