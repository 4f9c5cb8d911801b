// Prints what a device has free, as one JSON line {freeQueues, freeBytes|null}, or {error}. Run in its
// own process so that a hung device cannot hang the one asking.
import { openDevice } from '@openaccel/driver';
import { endWithParent, sayStarted } from './lifeline.js';

endWithParent();
sayStarted();
try {
  const dev = openDevice(process.argv[2]!);
  const ctx = dev.openContext();
  const freeQueues = ctx.ioctl('OA_IOCTL_GET_INFO', {}).free_queues;
  const freeBytes = dev.info.numMemories > 0 ? ctx.queryMemory(0).freeBytes.toString() : null;
  ctx.close();
  process.stdout.write(`${JSON.stringify({ freeQueues, freeBytes })}\n`);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ error: (e as Error).message })}\n`);
}
process.exit(0);
