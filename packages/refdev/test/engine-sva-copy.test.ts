// Issue #13 item 3: COPY through SVA wrote wrong data (the first bytes of the destination were
// pointers into refdev's heap): the engine's bounce buffer could be collected while the system call
// still used its address. Many COPYs of many sizes, each checked byte for byte.
import { addressOf } from '@openaccel/sys';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RingClient, until } from './support/ring-client.js';
import { startStressedRefdev, type StressedRefdev } from './support/stressed-refdev.js';

let refdev: StressedRefdev;

beforeAll(async () => {
  refdev = await startStressedRefdev(['--stress-scavenge=1', '--no-concurrent-array-buffer-sweeping']);
});

afterAll(async () => {
  await refdev?.stop();
});

const DEPTH = 64;
const ROUNDS = 30; // 1,920 COPYs: the code before the fix gave about 3 wrong per thousand here

it('every SVA COPY delivers exactly its source bytes', async () => {
  const c = new RingClient(refdev.node('accel0'));
  try {
    c.bind(true);
    const q = c.createQueue(DEPTH);
    // Off-heap, so the addresses stay put while the device reads and writes them.
    const sizes = Array.from({ length: DEPTH }, (_, i) => 16 + ((i * 977) % 9000));
    const src = sizes.map((n) => Buffer.allocUnsafeSlow(n));
    const dst = sizes.map((n) => Buffer.allocUnsafeSlow(n));
    let wrong = 0;
    let faults = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < DEPTH; i++) {
        src[i]!.fill((round + i) & 0xff);
        src[i]!.writeUInt32LE(round * DEPTH + i, 0);
        dst[i]!.fill(0);
        q.put({ opcode: 1 /* COPY */, tag: i + 1, srcAddr: addressOf(src[i]!), dstAddr: addressOf(dst[i]!), srcLength: sizes[i]!, dstLength: sizes[i]! });
      }
      q.ring();
      const done: [number, number, number][] = [];
      await until(() => done.push(...q.collect()) >= DEPTH, `round ${round}`);
      for (const [tag, , status] of done) {
        if (status !== 0) faults++;
        else if (!dst[tag - 1]!.equals(src[tag - 1]!)) wrong++;
      }
    }
    expect({ wrong, faults }).toEqual({ wrong: 0, faults: 0 });
  } finally {
    c.close();
  }
}, 600_000);
