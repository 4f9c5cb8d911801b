// A client that takes queues and memory, reports ready, and waits to be killed.
import { openDevice } from '@openaccel/driver';
const dev = openDevice(process.argv[2]);
const ctx = dev.openContext();
for (let i = 0; i < 3; i++) ctx.createQueue({ sqEntries: 16 });
ctx.allocMemory(0, 1 << 20);
ctx.allocMemory(0, 2 << 20);
process.stdout.write('ready\n');
setInterval(() => {}, 1000);
