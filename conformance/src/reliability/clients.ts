/**
 * Client processes of a reliability run (fuzz workers, stress workers, victims, probes): spawned with a
 * stdin pipe they watch (clients/lifeline.ts), so they end with their parent however it ends, and
 * killed through their ChildProcess handle (never a bare pid) when the run is done with them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const clientScript = (name: string): string => fileURLToPath(new URL(`../clients/${name}.js`, import.meta.url));

/** Bounds what is kept of a client's output: a misbehaving client cannot grow the runner's memory. */
const MAX_LINE = 64 * 1024;
/** How long a client may take to start (load its modules) before it touches the device: bounds only a stuck start. */
const STARTUP_MS = 600000;

export class Client {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters: ((line: string | undefined) => void)[] = [];
  private readonly lines: string[] = [];
  private ended = false;

  constructor(name: string, args: string[], opts: { extraFd?: number; onLine?: (line: string) => void } = {}) {
    const stdio: (string | number)[] = ['pipe', 'pipe', 'inherit'];
    if (opts.extraFd !== undefined) stdio.push(opts.extraFd);
    this.child = spawn(process.execPath, [clientScript(name), ...args], { stdio: stdio as never });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    // A client that exits before reading stdin makes our end of the pipe fail with EPIPE: not an error here.
    this.child.stdin!.on('error', () => {});
    const rl = createInterface({ input: this.child.stdout! });
    rl.on('line', (raw) => {
      const line = raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw;
      opts.onLine?.(line);
      const w = this.waiters.shift();
      if (w) w(line);
      else if (this.lines.length < 10000) this.lines.push(line);
    });
    rl.on('close', () => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w(undefined);
    });
  }

  /** The next line the client prints, or undefined when its output ended. */
  nextLine(): Promise<string | undefined> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Waits for the client's {"started":true} line (clients/lifeline.ts sayStarted); false when it ended or said something else. */
  async started(): Promise<boolean> {
    const line = await withDeadline(this.nextLine(), STARTUP_MS);
    return line !== 'deadline' && parseLine<{ started?: boolean }>(line)?.started === true;
  }

  /** Every line until the output ends; the last is usually the client's summary. */
  async allLines(): Promise<string[]> {
    const out: string[] = [];
    for (let l = await this.nextLine(); l !== undefined; l = await this.nextLine()) out.push(l);
    return out;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL, through the handle: a no-op once the process has been reaped, so never another process. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  close(): void {
    this.kill();
  }
}

/** A line of JSON from a client, or undefined when it is not one. */
export function parseLine<T>(line: string | undefined): T | undefined {
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}

/** Waits for the promise or the deadline, whichever comes first. */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | 'deadline'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<'deadline'>((r) => (timer = setTimeout(() => r('deadline'), ms)))]).finally(() => clearTimeout(timer));
}
