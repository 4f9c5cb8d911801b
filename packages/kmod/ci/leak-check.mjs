// After the suite: every queue and every byte of device memory is free again, on every device.
import { readdirSync } from 'node:fs';
import { openDevice } from '@openaccel/driver';

let ok = true;
for (const name of readdirSync('/dev/openaccel')) {
  const dev = openDevice(`/dev/openaccel/${name}`);
  const ctx = dev.openContext();
  const q = ctx.ioctl('OA_IOCTL_GET_INFO', {});
  const m = dev.info.numMemories ? ctx.queryMemory(0) : undefined;
  const line = `leak check ${name}: free_queues ${q.free_queues}/${q.max_queues}${m ? `, memory free ${m.freeBytes}/${m.totalBytes}` : ''}`;
  console.log(line);
  if (q.free_queues !== q.max_queues || (m && m.freeBytes !== m.totalBytes)) ok = false;
  ctx.close();
}
process.exit(ok ? 0 : 1);
