// Issue #13 item 8 (part): sq_head is the device's word in the user-writable doorbell page. The
// overrun check (rule sq_overrun) must use the engine's own head, so writing the word defeats nothing.
import { DOORBELL_ERROR, DOORBELL_WORDS as W } from '@openaccel/uapi';
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

it('a forged sq_head does not let OA_IOCTL_SUBMIT publish a tail beyond the ring', async () => {
  const c = new RingClient(refdev.node('accel0'));
  try {
    c.bind();
    const q = c.createQueue(8);
    // The device has taken nothing (its head is 0); the client claims it took 100.
    Atomics.store(q.db, W.SQ_HEAD, 100);
    expect(c.ioctl('OA_IOCTL_SUBMIT', { queue_id: q.id, sq_tail: 100 })).toBe('EINVAL');
    // The refused tail was not published: the queue is not stopped and still runs commands.
    expect(q.word('FLAGS') & DOORBELL_ERROR).toBe(0);
    q.put({ opcode: 0, tag: 7 });
    q.ring();
    let got: [number, number, number][] = [];
    await until(() => (got = got.concat(q.collect())).length > 0, 'the NOP after the refused SUBMIT');
    expect(got).toEqual([[7, 0, 0]]);
    expect(q.word('SQ_HEAD')).toBe(1);
  } finally {
    c.close();
  }
});
