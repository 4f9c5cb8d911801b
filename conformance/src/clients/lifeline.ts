/**
 * A client process ends when the process that spawned it goes, even one killed with SIGKILL that could
 * not clean up: its parent holds the write end of the client's stdin pipe, so the end of that pipe
 * means the parent is gone. A client that spins without returning to its event loop asks parentGone().
 */
import { fstatSync } from 'node:fs';

const parent = process.ppid;

/** Arms the exit on end of stdin when stdin is a pipe or socket pair (a client run by hand from a terminal is left alone). */
export function endWithParent(): void {
  const stdin = fstatSync(0);
  if (!stdin.isFIFO() && !stdin.isSocket()) return;
  const gone = () => process.exit(70);
  process.stdin.on('end', gone);
  process.stdin.on('error', gone);
  process.stdin.resume();
  // Reading stdin must not keep a finished client alive.
  (process.stdin as unknown as { unref?: () => void }).unref?.();
}

/** True when this process was re-parented: whoever spawned it has died. */
export function parentGone(): boolean {
  return process.ppid !== parent;
}

/**
 * Says the client has started (its modules are loaded) before it touches the device: the parent then
 * times the device, not how long a process takes to start on a busy or emulated machine.
 */
export function sayStarted(): void {
  process.stdout.write('{"started":true}\n');
}
