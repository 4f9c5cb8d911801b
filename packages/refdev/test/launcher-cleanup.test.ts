/**
 * A refdev started by startRefdev in a temporary directory: the directory is gone once refdev is, even when the
 * program that started it dies without stopping it (SIGKILL, process.exit), since refdev removes it itself.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { until } from './raw-client.js';

const launcher = new URL('../dist/index.js', import.meta.url).pathname;

/** A parent that starts a refdev, prints its runtime directory, and waits to be killed. */
const parentScript = `
import { startRefdev } from ${JSON.stringify(launcher)};
const r = await startRefdev();
process.stdout.write(JSON.stringify({ runtime: r.runtimeDir, pid: r.pid }) + '\\n');
setInterval(() => {}, 1000);
`;

describe('startRefdev temporary directory', () => {
  for (const how of ['SIGKILL', 'SIGTERM'] as const) {
    it(`is removed when the parent dies by ${how} without stopping refdev`, async () => {
      const parent = spawn(process.execPath, ['--input-type=module', '-e', parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const line = await new Promise<string>((resolve, reject) => {
          createInterface({ input: parent.stdout! }).once('line', resolve);
          parent.once('exit', (code) => reject(new Error(`parent exited ${code} before refdev was ready`)));
        });
        const { runtime } = JSON.parse(line) as { runtime: string };
        expect(existsSync(runtime)).toBe(true);
        parent.kill(how);
        await until(() => !existsSync(runtime), `${runtime} removed`, 60_000);
      } finally {
        parent.kill('SIGKILL');
      }
    }, 120_000);
  }
});
