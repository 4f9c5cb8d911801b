/**
 * SIGINT and SIGTERM as an abort, for commands that own processes and directories: instead of dying
 * at once (leaving a refdev, test processes and a runtime directory behind), the work is aborted, cleans
 * up through its own `finally` blocks, and the caller learns which signal ended it.
 */
import { constants } from 'node:os';

/** The work was ended by a signal; `exitCode` is the shell's convention, 128 + the signal number. */
export class Interrupted extends Error {
  readonly exitCode: number;

  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
    this.exitCode = 128 + constants.signals[signal];
  }
}

/**
 * Runs `work` with SIGINT and SIGTERM turned into an abort of the signal it is given. When a signal
 * came, whatever `work` settles with is replaced by an Interrupted error. The handlers are removed
 * when `work` settles, so the process's default behaviour comes back.
 */
export async function untilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let received: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (s: 'SIGINT' | 'SIGTERM') => {
    received ??= s;
    controller.abort(new Interrupted(s));
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    const result = await work(controller.signal);
    if (received) throw new Interrupted(received);
    return result;
  } catch (e) {
    if (received) throw new Interrupted(received);
    throw e;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
