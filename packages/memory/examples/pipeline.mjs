#!/usr/bin/env node
// DEFLATE on accel0, then AES-GCM on accel1 (uAPI 2.0), ordered by a syncobj timeline point instead of a
// CPU wait: both stages are queued before either runs. The compressed stream is a GEM object of accel0
// that accel1 reaches as a dma-buf (PRIME), with no copy. The result is checked against node:zlib and
// node:crypto.
//
//   node packages/memory/examples/pipeline.mjs [--sva] [--runtime DIR]
//
// Without --runtime it starts its own reference device. --sva uses process memory by address (both
// devices bound with SVA) instead of GEM objects.
import { createDecipheriv, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { closeFd } from '@openaccel/sys';
import { openAccelDevice } from '@openaccel/driver';
import { MemoryManager } from '@openaccel/memory';
import { startRefdev } from '@openaccel/refdev';

const { values } = parseArgs({ options: { sva: { type: 'boolean' }, runtime: { type: 'string' } } });
const refdev = values.runtime ? undefined : await startRefdev();
const node = (name) => (refdev ? refdev.accelNode(name) : join(values.runtime, 'dev/accel', name));
const sva = values.sva ?? false;
const log = (s) => process.stdout.write(`${s}\n`);

try {
  const compress = openAccelDevice(node('accel0'));
  const encrypt = openAccelDevice(node('accel1'));
  compress.bind({ sva });
  encrypt.bind({ sva });
  const mm = new MemoryManager();
  const gemOf = (dev) => (size, label) => (sva ? mm.allocSva(size, label) : mm.allocGem(dev, size, { label }));

  const plaintext = Buffer.from('OpenAccel chains accelerators without copying. '.repeat(2000));
  const input = gemOf(compress)(plaintext.length, 'input');
  // accel0 writes the compressed stream here; accel1 reads it through the dma-buf of the same memory.
  const staging = gemOf(compress)(plaintext.length + 1024, 'compressed');
  const output = gemOf(encrypt)(staging.sizeBytes, 'ciphertext');
  const params = gemOf(encrypt)(64, 'aes-gcm params');
  const key = randomBytes(32);
  const iv = randomBytes(12);
  input.with('write', (b) => b.set(plaintext));
  params.with('write', (b) => {
    b.set(key, 0);
    b.set(iv, 32);
    new DataView(b.buffer, b.byteOffset).setUint32(44, 32, true);
  });
  log(`memory: ${sva ? 'SVA (process addresses, SVA-bound files)' : 'GEM objects; the compressed stream reaches accel1 as a dma-buf (PRIME)'}`);

  // One timeline: accel0 signals point 1 when DEFLATE is done; accel1 waits for it, then signals point 2.
  const timeline = compress.syncobjCreate();
  const fd = timeline.exportFd();
  const timelineOnAccel1 = encrypt.syncobjImport(fd);
  closeFd(fd);

  const q1 = compress.createQueue({ sqEntries: 16, syncobj: true });
  const q2 = encrypt.createQueue({ sqEntries: 16, syncobj: true });
  const t1 = q1.submitWith(
    { op: 'deflate', src: input.ref(compress), srcLength: plaintext.length, dst: staging.ref(compress), dstLength: staging.sizeBytes, arg: 6 },
    { signals: [{ syncobj: timeline, point: 1 }] },
  );
  // Its length is known only when DEFLATE has run, so accel1 encrypts the whole staging buffer: the
  // stream and the zeroes after it (GEM memory starts zeroed). The CPU does not wait in between.
  const t2 = q2.submitWith(
    { op: 'aes_gcm_encrypt', src: staging.ref(encrypt), srcLength: staging.sizeBytes, dst: output.ref(encrypt), dstLength: output.sizeBytes, param: params.ref(encrypt) },
    { waits: [{ syncobj: timelineOnAccel1, point: 1 }], signals: [{ syncobj: timelineOnAccel1, point: 2 }] },
  );
  log('queued: accel0 DEFLATE signals timeline point 1; accel1 AES-GCM waits for point 1 and signals point 2');

  if (!timeline.wait(2, 120_000_000_000n)) throw new Error('timeline point 2 did not signal within 120 s');
  const c1 = await q1.wait(t1);
  const c2 = await q2.wait(t2);
  if (!c1.ok) throw new Error(`deflate on accel0: ${c1.statusName}`);
  if (!c2.ok) throw new Error(`aes-gcm on accel1: ${c2.statusName}`);
  log(`timeline point ${timeline.query()} reached`);
  log(`accel0 DEFLATE: ${plaintext.length} -> ${c1.result} bytes`);
  log(`accel1 AES-256-GCM: ${staging.sizeBytes} -> ${c2.result} bytes`);

  const ciphertext = output.with('read', (b) => Buffer.from(b.subarray(0, c2.result)));
  const tag = params.with('read', (b) => Buffer.from(b.subarray(48, 64)));
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAuthTag(tag);
  const decrypted = Buffer.concat([d.update(ciphertext), d.final()]);
  const roundTrip = inflateRawSync(decrypted.subarray(0, c1.result));
  if (!roundTrip.equals(plaintext)) throw new Error('the pipeline output does not decrypt and inflate to the input');
  log('check: node:crypto decrypts with the device tag and node:zlib inflates it back to the input: OK');

  for (const b of [input, staging, output, params]) b.close();
  timeline.destroy();
  timelineOnAccel1.destroy();
  compress.close();
  encrypt.close();
  if (mm.liveCount !== 0) throw new Error(`${mm.liveCount} buffers left open`);
} finally {
  await refdev?.stop();
}
