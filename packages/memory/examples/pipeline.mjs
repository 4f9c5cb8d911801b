#!/usr/bin/env node
// DEFLATE on one device, then AES-GCM on another, chained through shared memory with no CPU copy
// between the stages; the result is checked against node:zlib and node:crypto.
//
//   node packages/memory/examples/pipeline.mjs [--sva] [--runtime DIR]
//
// Without --runtime it starts its own reference device. --sva uses process memory by address instead
// of dma-bufs.
import { createDecipheriv, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { openDevice } from '@openaccel/driver';
import { MemoryManager } from '@openaccel/memory';
import { startRefdev } from '@openaccel/refdev';

const { values } = parseArgs({ options: { sva: { type: 'boolean' }, runtime: { type: 'string' } } });
const refdev = values.runtime ? undefined : await startRefdev();
const devRoot = values.runtime ? join(values.runtime, 'dev') : refdev.devRoot;
const sva = values.sva ?? false;
const log = (s) => process.stdout.write(`${s}\n`);

try {
  const compress = openDevice(join(devRoot, 'openaccel/accel0')).openContext({ sva });
  const encrypt = openDevice(join(devRoot, 'openaccel/accel1')).openContext({ sva });
  const mm = new MemoryManager({ devRoot });
  const alloc = (size, label) => (sva ? mm.allocSva(size, label) : mm.allocDmabuf(size, label));

  const plaintext = Buffer.from('OpenAccel chains accelerators without copying. '.repeat(2000));
  const input = alloc(plaintext.length, 'input');
  const shared = alloc(plaintext.length + 1024, 'compressed');
  const output = alloc(plaintext.length + 1024, 'ciphertext');
  const params = alloc(64, 'aes-gcm params');
  const key = randomBytes(32);
  const iv = randomBytes(12);
  input.with('write', (b) => b.set(plaintext));
  params.with('write', (b) => {
    b.set(key, 0);
    b.set(iv, 32);
    new DataView(b.buffer, b.byteOffset).setUint32(44, 32, true);
  });
  log(`memory: ${sva ? 'SVA (process addresses, PASID-bound contexts)' : `dma-bufs from ${mm.dmabufSource.kind}`}`);

  const q1 = compress.createQueue({ sqEntries: 16 });
  const c1 = await q1.wait(q1.submit({ op: 'deflate', src: input.ref(compress), srcLength: plaintext.length, dst: shared.ref(compress), dstLength: shared.sizeBytes, arg: 6 }));
  if (!c1.ok) throw new Error(`deflate on accel0: ${c1.statusName}`);
  log(`accel0 DEFLATE: ${plaintext.length} -> ${c1.result} bytes`);

  const q2 = encrypt.createQueue({ sqEntries: 16 });
  const c2 = await q2.wait(q2.submit({ op: 'aes_gcm_encrypt', src: shared.ref(encrypt), srcLength: c1.result, dst: output.ref(encrypt), dstLength: output.sizeBytes, param: params.ref(encrypt) }));
  if (!c2.ok) throw new Error(`aes-gcm on accel1: ${c2.statusName}`);
  log(`accel1 AES-256-GCM: ${c1.result} -> ${c2.result} bytes`);

  const ciphertext = output.with('read', (b) => Buffer.from(b.subarray(0, c2.result)));
  const tag = params.with('read', (b) => Buffer.from(b.subarray(48, 64)));
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAuthTag(tag);
  const compressed = Buffer.concat([d.update(ciphertext), d.final()]);
  const roundTrip = inflateRawSync(compressed);
  if (!roundTrip.equals(plaintext)) throw new Error('the pipeline output does not decrypt and inflate to the input');
  log('check: node:crypto decrypts with the device tag and node:zlib inflates it back to the input: OK');

  for (const b of [input, shared, output, params]) b.close();
  compress.close();
  encrypt.close();
  if (mm.liveCount !== 0) throw new Error(`${mm.liveCount} buffers left open`);
} finally {
  await refdev?.stop();
}
