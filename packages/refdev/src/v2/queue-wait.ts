/** OA_SUBMIT_WAIT: until the CQ tail reaches the submitted tail, the queue stops (EIO), the deadline passes (ETIME) or the file goes (EINTR). */
import type { IoctlCall } from './accel-file.js';
import type { AccelQueue } from './queue.js';

/** setTimeout's longest delay; longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function waitUntilQueue(call: IoctlCall, q: AccelQueue, tail: number, deadlineNs: bigint): Promise<0 | 'EIO' | 'ETIME' | 'EINTR'> {
  const d = call.file.device;
  for (;;) {
    if (((q.cqTail - tail) | 0) >= 0) return 0;
    if (q.stopped || !call.file.queues.has(q.id)) return 'EIO';
    const left = deadlineNs - process.hrtime.bigint();
    if (left <= 0n) return 'ETIME';
    const w = d.watch(q.key, tail);
    let timer: NodeJS.Timeout | undefined;
    let abort: (() => void) | undefined;
    let aborted = false;
    await Promise.race([
      w.reached.then(() => {}),
      new Promise<void>((r) => call.file.waitAborts.add((abort = () => ((aborted = true), r())))),
      new Promise<void>((r) => (timer = setTimeout(r, Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(Number(left) / 1e6)))))),
    ]);
    clearTimeout(timer);
    call.file.waitAborts.delete(abort!);
    w.cancel();
    if (aborted) return 'EINTR';
  }
}
