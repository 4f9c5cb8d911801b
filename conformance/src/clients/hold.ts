// Takes three queues (and 1 MiB of device memory when it can), says "ready", and waits to be killed
// (or for its parent to go: see lifeline.ts).
import { openDevice } from '@openaccel/driver';
import { endWithParent } from './lifeline.js';

endWithParent();
const dev = openDevice(process.argv[2]!);
const ctx = dev.openContext();
for (let i = 0; i < 3; i++) ctx.createQueue({ sqEntries: 16 });
if (dev.info.caps.includes('device_memory') && dev.info.numMemories > 0) ctx.allocMemory(0, 1 << 20);
process.stdout.write('ready\n');
setInterval(() => {}, 1000);
