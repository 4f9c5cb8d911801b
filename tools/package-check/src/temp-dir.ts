import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();

function removeLive(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}

// Covers the exits a finally block does not see: process.exit() from elsewhere, Ctrl-C, SIGTERM.
process.once('exit', removeLive);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    removeLive();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

/** Runs `fn` with a new temporary folder (in `parent`, else the system's), removed afterwards on every path out. */
export async function withTempDir<T>(
  prefix: string,
  fn: (dir: string) => Promise<T> | T,
  parent: string = tmpdir(),
): Promise<T> {
  const dir = mkdtempSync(join(parent, `${prefix}-`));
  live.add(dir);
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    live.delete(dir);
  }
}
