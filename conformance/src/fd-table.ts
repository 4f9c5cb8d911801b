/** Running a call while this process has no free fd: how a test shows an EMFILE rule. */
import { closeSync, openSync, readSync } from 'node:fs';
import { ConformanceFailure, SkipTest } from './model.js';

/** The soft RLIMIT_NOFILE of this process, from the first 4 KiB of /proc/self/limits. */
export function openFileLimit(): number | undefined {
  const fd = openSync('/proc/self/limits', 'r');
  try {
    const buf = Buffer.alloc(4096);
    const text = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('latin1');
    const m = /^Max open files\s+(\d+)/m.exec(text);
    return m ? Number(m[1]) : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens /dev/null until EMFILE, runs `call`, then closes every filler (whatever `call` did). Skips when the
 * limit is so high that filling the table is beyond a conformance run.
 */
export function withFullFdTable<R>(call: () => R): R {
  const limit = openFileLimit();
  if (limit === undefined || limit > 65536) throw new SkipTest('RLIMIT_NOFILE <= 65536', `filling ${limit ?? 'an unknown number of'} fds is beyond a conformance run`);
  const filler: number[] = [];
  try {
    for (;;) {
      try {
        filler.push(openSync('/dev/null', 'r'));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EMFILE') break;
        throw e;
      }
      if (filler.length > limit) throw new ConformanceFailure(`opened ${filler.length} fds under a limit of ${limit}`, 'EMFILE', 'no limit');
    }
    return call();
  } finally {
    for (const fd of filler) closeSync(fd);
  }
}
