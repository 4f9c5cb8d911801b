// Prints what a 2.0 device has free, as one JSON line {freeQueues, freeBytes|null}, or {error}: GET_INFO's
// free_queues and QUERY_MEMORY's free of region 0. Run in its own process so that a hung device cannot hang
// the one asking.
import { openAccelDevice } from '@openaccel/driver';
import { endWithParent, sayStarted } from './lifeline.js';

endWithParent();
sayStarted();
try {
  const dev = openAccelDevice(process.argv[2]!);
  try {
    const info = dev.info();
    const freeBytes = info.numMemories > 0 ? dev.queryMemory(0).free.toString() : null;
    process.stdout.write(`${JSON.stringify({ freeQueues: info.freeQueues, freeBytes })}\n`);
  } finally {
    dev.close();
  }
} catch (e) {
  process.stdout.write(`${JSON.stringify({ error: (e as Error).message })}\n`);
}
process.exit(0);
