/**
 * The death of the process that bound a context ends its queues, handles and SVA binding at once, even while
 * another process still holds the connection (spec rule context.lifetime; issue #13 item 1). The pid number of
 * the dead binder names nobody afterwards.
 */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { CHILD_PRELUDE, freeQueues, RawClient, until, useRefdev } from './raw-client.js';

const started = useRefdev();

/** Binds the connection it inherits as fd 3 with SVA, creates a queue and allocates memory, then waits to be killed. */
const BINDER = `${CHILD_PRELUDE}
const s = new UnixSocket(3);
call(s, 'OA_IOCTL_BIND_CONTEXT', { flags: 1 });
call(s, 'OA_IOCTL_CREATE_QUEUE', { sq_entries: 8 });
call(s, 'OA_IOCTL_ALLOC_MEMORY', { memory_id: 0, length: 1048576n });
process.stdout.write('bound\\n');
setInterval(() => {}, 1000);
`;

it("the binder's death destroys the context's queues and memory while another process holds the socket", async () => {
  const refdev = started();
  const max = freeQueues(refdev.sysfsRoot);
  const holder = new RawClient(refdev.node('accel0'));
  const freeBytes = () => holder.ioctl('OA_IOCTL_QUERY_MEMORY', { memory_id: 0 }).value.free_bytes as bigint;
  const bytes0 = freeBytes();
  const child = spawn(process.execPath, ['--input-type=module', '-e', BINDER], { stdio: ['ignore', 'pipe', 'inherit', holder.socket.fd] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await until(() => out.includes('bound'), 'the child binds the shared connection');
    expect(freeQueues(refdev.sysfsRoot)).toBe(max - 1);
    // The binder lives: the holder is another process.
    expect(holder.ioctl('OA_IOCTL_QUERY_MEMORY', { memory_id: 0 }).errno).toBe('EPERM');
  } finally {
    child.kill('SIGKILL');
  }
  await until(() => child.exitCode !== null || child.signalCode !== null, 'the binder is reaped');
  await until(() => freeQueues(refdev.sysfsRoot) === max, "the dead binder's queue is destroyed though the holder keeps the socket");
  // Nobody may use the context of a dead binder, whatever process later has its pid number.
  expect(holder.ioctl('OA_IOCTL_QUERY_MEMORY', { memory_id: 0 }).errno).toBe('EPERM');
  holder.close();
  const other = new RawClient(refdev.node('accel0'));
  await until(() => other.ioctl('OA_IOCTL_QUERY_MEMORY', { memory_id: 0 }).value.free_bytes === bytes0, "the dead binder's memory is freed");
  other.close();
});
