// After the guest's checks: every queue and every byte of device memory of every 2.0 device is free again
// (GET_INFO free_queues, QUERY_MEMORY free of each region). Exit 1 when something is still held.
import { readdirSync } from 'node:fs';
import { openAccelDevice } from '@openaccel/driver';

let ok = true;
for (const name of readdirSync('/dev/accel')) {
  const dev = openAccelDevice(`/dev/accel/${name}`);
  try {
    const info = dev.info();
    const memories = Array.from({ length: info.numMemories }, (_, id) => dev.queryMemory(id));
    const held = memories.filter((m) => m.free !== m.size);
    console.log(`leak check ${name}: free_queues ${info.freeQueues}/${info.maxQueues}${memories.map((m) => `, memory ${m.memoryId} free ${m.free}/${m.size}`).join('')}`);
    if (info.freeQueues !== info.maxQueues || held.length) ok = false;
  } finally {
    dev.close();
  }
}
process.exit(ok ? 0 : 1);
