/** Chaining across devices: one device's output is another's input through shared memory, with no CPU copy. */
import { createDecipheriv, randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { openDevice } from '@openaccel/driver';
import { ConformanceFailure, SkipTest, type TestCase } from '../model.js';
import { RawQueue } from '../raw-queue.js';

export const chainSuite: TestCase[] = [
  {
    id: 'chain.pipeline.deflate_aes_gcm',
    doc: 'DEFLATE on this device, AES-GCM on a peer, through one dma-buf both import; checked with node:zlib and node:crypto',
    profiles: ['chain'],
    requires: { caps: ['dmabuf_import'], functions: ['deflate'], devices: 2 },
    timeoutMs: 30000,
    async run(env) {
      const peer = env.peers().find((p) => {
        const i = openDevice(p.node).info;
        return i.functions.includes('aes_gcm_encrypt') && i.caps.includes('dmabuf_import');
      });
      if (!peer) throw new SkipTest('a peer device with aes_gcm_encrypt and dmabuf_import');
      const mm = env.memory();
      const plain = Buffer.from('chained without a CPU copy; '.repeat(2000));
      const [input, shared, output, params] = [plain.length, plain.length + 1024, plain.length + 1024, 64].map((n) => env.track(mm.allocDmabuf(n)));
      const key = randomBytes(32);
      const iv = randomBytes(12);
      input!.with('write', (b) => b.set(plain));
      params!.with('write', (b) => {
        b.set(key, 0);
        b.set(iv, 32);
        new DataView(b.buffer, b.byteOffset).setUint32(44, 32, true);
      });
      const a = env.context();
      const b = env.context({ node: peer.node });
      const c1 = await env.track(new RawQueue(a, 4)).run({ op: 'deflate', src: input!.ref(a), srcLength: plain.length, dst: shared!.ref(a), dstLength: shared!.sizeBytes, arg: 6 });
      if (c1.status !== 0) throw new ConformanceFailure(`DEFLATE on ${env.name}: status ${c1.status}`, 'OK', String(c1.status));
      const c2 = await env.track(new RawQueue(b, 4)).run({ op: 'aes_gcm_encrypt', src: shared!.ref(b), srcLength: c1.result, dst: output!.ref(b), dstLength: output!.sizeBytes, param: params!.ref(b) });
      if (c2.status !== 0) throw new ConformanceFailure(`AES-GCM on ${peer.name}: status ${c2.status}`, 'OK', String(c2.status));
      const ct = output!.with('read', (x) => Buffer.from(x.subarray(0, c2.result)));
      const tag = params!.with('read', (x) => Buffer.from(x.subarray(48, 64)));
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAuthTag(tag);
      let back: Buffer;
      try {
        back = inflateRawSync(Buffer.concat([d.update(ct), d.final()]));
      } catch (e) {
        throw new ConformanceFailure(`the pipeline output does not decrypt and inflate: ${(e as Error).message}`, 'the input', 'an error');
      }
      if (!back.equals(plain)) throw new ConformanceFailure('the pipeline output differs from the input after decrypt and inflate', 'the input', `${back.length} other bytes`);
    },
  },
];
