// Issue #13 item 9: one context's long commands must not starve another's. Judged by progress, never
// by time: while A has a queue of long commands, B's NOP completes after at most the command A had
// in progress and one more, not after A's whole batch.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRefdev, type RefdevProcess } from '@openaccel/refdev';
import { RingClient, until } from './support/ring-client.js';

let refdev: RefdevProcess;

beforeAll(async () => {
  refdev = await startRefdev();
});

afterAll(async () => {
  await refdev?.stop();
});

const LONG = 16;
const BYTES = 8 << 20;

it("a NOP of context B completes while context A's batch of long commands is still running", async () => {
  const a = new RingClient(refdev.node('accel0'));
  const b = new RingClient(refdev.node('accel0'));
  try {
    a.bind();
    b.bind();
    const mem = a.ioctl('OA_IOCTL_ALLOC_MEMORY', { memory_id: 0, length: BigInt(BYTES) });
    if (typeof mem === 'string') throw new Error(`ALLOC_MEMORY: ${mem}`);
    const qa = a.createQueue(LONG);
    const qb = b.createQueue(2);
    for (let i = 0; i < LONG; i++) qa.put({ opcode: 3 /* CRC32C */, tag: i + 1, srcHandle: mem.handle, srcLength: BYTES });
    qa.ring();
    await until(() => qa.word('SQ_HEAD') >= 1, 'the engine to take the first long command');
    const doneBefore = qa.word('CQ_TAIL');
    qb.put({ opcode: 0, tag: 99 });
    qb.ring();
    let got: [number, number, number][] = [];
    await until(() => (got = got.concat(qb.collect())).length > 0, "B's NOP");
    const doneAfter = qa.word('CQ_TAIL');
    expect(got).toEqual([[99, 0, 0]]);
    expect(doneBefore).toBeLessThan(LONG - 2); // B rang while A still had work queued
    expect(doneAfter - doneBefore).toBeLessThanOrEqual(2);
    // A loses nothing: all of its commands complete, in order, with one CRC.
    const done: [number, number, number][] = [];
    await until(() => done.push(...qa.collect()) >= LONG, "A's batch");
    expect(done.map((d) => d[0])).toEqual(Array.from({ length: LONG }, (_, i) => i + 1));
    expect(new Set(done.map((d) => `${d[1]}/${d[2]}`)).size).toBe(1);
  } finally {
    a.close();
    b.close();
  }
}, 300_000); // bounds only a hung device; the waits inside poll for progress
