/**
 * The runtime directory of a background refdev and stopping it (issue #13 item 10): a planted symlink or
 * foreign directory is refused, and `stop` signals only the process it proves is the refdev serving there.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pidfdExited, pidfdOpen, closeFd } from '@openaccel/sys';
import { defaultRuntimeDir, findRefdev, RuntimeDirError, startDetachedRefdev, stopDetachedRefdev } from '@openaccel/refdev';
import { until } from './raw-client.js';

let scratch: string;

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'oa-runtime-test-'));
});

afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('the runtime directory', () => {
  it('is $XDG_RUNTIME_DIR/openaccel when set, else /tmp/openaccel-UID', () => {
    expect(defaultRuntimeDir({ XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/openaccel');
    expect(defaultRuntimeDir({ OPENACCEL_RUNTIME: '/x', XDG_RUNTIME_DIR: '/y' })).toBe('/x');
    expect(defaultRuntimeDir({})).toBe(join(tmpdir(), `openaccel-${process.getuid!()}`));
  });

  it("a planted symlink is refused and the victim's files are untouched", async () => {
    const victim = join(scratch, 'victim');
    mkdirSync(victim, { mode: 0o700 });
    writeFileSync(join(victim, 'config.json'), 'precious');
    const dir = join(scratch, 'openaccel-0');
    symlinkSync(victim, dir);
    await expect(startDetachedRefdev(dir)).rejects.toThrow(RuntimeDirError);
    expect(readFileSync(join(victim, 'config.json'), 'utf8')).toBe('precious');
    expect(existsSync(join(victim, 'refdev.log'))).toBe(false);
  });

  it('a directory of another user or open to others is refused', async () => {
    const foreign = join(scratch, 'foreign');
    mkdirSync(foreign, { mode: 0o700 });
    chownSync(foreign, 65534, 65534);
    await expect(startDetachedRefdev(foreign)).rejects.toThrow(/belongs to uid 65534/);
    const open = join(scratch, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await expect(startDetachedRefdev(open)).rejects.toThrow(/mode is 777/);
    expect(existsSync(join(open, 'config.json'))).toBe(false);
  });
});

describe('stop', () => {
  it('never signals a process named by a planted refdev.json', async () => {
    const dir = join(scratch, 'rt');
    mkdirSync(dir, { mode: 0o700 });
    const bystander = spawn('sleep', ['120'], { stdio: 'ignore' });
    const pidfd = pidfdOpen(bystander.pid!) as number;
    try {
      writeFileSync(join(dir, 'refdev.json'), JSON.stringify({ ready: true, pid: bystander.pid, runtime: dir, devices: ['accel0'] }));
      expect(findRefdev(dir)).toBeUndefined();
      expect(await stopDetachedRefdev(dir, 1000)).toBe(false);
      expect(pidfdExited(pidfd)).toBe(false);
    } finally {
      bystander.kill('SIGKILL');
      closeFd(pidfd);
    }
  });

  it('stops the refdev it started, proven by its control socket', async () => {
    const dir = join(scratch, 'rt');
    const r = await startDetachedRefdev(dir, {}, 60_000);
    const pidfd = pidfdOpen(r.pid) as number;
    try {
      expect(r.devices).toEqual(['accel0', 'accel1']);
      expect(findRefdev(dir)?.pid).toBe(r.pid);
      await expect(startDetachedRefdev(dir)).rejects.toThrow(/already running/);
      expect(await stopDetachedRefdev(dir, 30_000)).toBe(true);
      await until(() => pidfdExited(pidfd), 'refdev exits');
      expect(findRefdev(dir)).toBeUndefined();
    } finally {
      if (!pidfdExited(pidfd)) process.kill(r.pid, 'SIGKILL'); // still alive, so the number is still refdev's
      closeFd(pidfd);
    }
  });
});
