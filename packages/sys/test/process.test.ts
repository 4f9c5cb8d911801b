import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { addressOf, closeFd, dupFd, openProcessMemory, pid, pidfdExited, pidfdOpen, pidfdSignal, readProcessMemoryFile, writeProcessMemoryFile, C } from '../src/index.js';

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`still waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('processes by pidfd', () => {
  it('reads and writes this process through its memory file, and an unmapped address is EIO', () => {
    const pidfd = pidfdOpen(pid());
    if (typeof pidfd === 'string') throw new Error(pidfd);
    const mem = openProcessMemory(pid(), pidfd);
    if (typeof mem === 'string') throw new Error(mem);
    const src = Buffer.alloc(256, 0xab);
    const dst = Buffer.alloc(256);
    expect(readProcessMemoryFile(mem, addressOf(src), addressOf(dst), 256)).toBe(256);
    expect(dst.every((b) => b === 0xab)).toBe(true);
    const w = Buffer.alloc(256, 0x11);
    expect(writeProcessMemoryFile(mem, addressOf(dst), addressOf(w), 256)).toBe(256);
    expect(dst[0]).toBe(0x11);
    expect(readProcessMemoryFile(mem, 0x10n, addressOf(dst), 16)).toBe('EIO');
    expect(readProcessMemoryFile(mem, 2n ** 63n + 16n, addressOf(dst), 16)).toMatch(/^E/);
    const d = dupFd(pidfd);
    expect(typeof d).toBe('number');
    for (const fd of [mem, pidfd, d as number]) closeFd(fd);
  });

  // The polls below wait up to 30 s each for the kernel and node to see the death; the test allows for both.
  it("a memory file opened while the process lived never reaches anything after it died", { timeout: 90_000 }, async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    const pidfd = pidfdOpen(child.pid!) as number;
    const mem = openProcessMemory(child.pid!, pidfd);
    if (typeof mem === 'string') throw new Error(mem);
    expect(pidfdExited(pidfd)).toBe(false);
    expect(pidfdSignal(pidfd, C.SIGKILL)).toBeUndefined();
    await until(() => pidfdExited(pidfd), 'the pidfd reports the exit');
    await until(() => child.exitCode !== null || child.signalCode !== null, 'node reaps the child');
    // Reaped: the number is free for reuse, but the file stays on the dead address space.
    expect(readProcessMemoryFile(mem, 0x400000n, addressOf(Buffer.alloc(128)), 8)).not.toBe(8);
    expect(openProcessMemory(child.pid!, pidfd)).toBe('ESRCH');
    expect(pidfdSignal(pidfd, C.SIGKILL)).toBe('ESRCH');
    closeFd(mem);
    closeFd(pidfd);
  });
});
