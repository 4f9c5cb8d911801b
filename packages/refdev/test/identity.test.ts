/**
 * Queue and context identity (issue #13 item 7): ids are counters that are never packed into one integer, so
 * neither many connections nor many queues make one client's queue collide with another's or fail for everyone.
 */
import { expect, it } from 'vitest';
import { UnixSocket } from '@openaccel/sys';
import { BlockedQueue, RawClient, useRefdev } from './raw-client.js';

const started = useRefdev();

it('after 32,768 connections a new client still creates queues', () => {
  const node = started().node('accel0');
  // Connections in batches (each one a context), each batch proven served by a round trip before it closes.
  for (let made = 0; made < 32_768 + 16; ) {
    const batch: UnixSocket[] = [];
    for (let i = 0; i < 256; i++, made++) batch.push(UnixSocket.connect(node));
    const probe = new RawClient(node);
    made++;
    expect(probe.ioctl('OA_IOCTL_GET_INFO').errno).toBe(0);
    probe.close();
    for (const s of batch) s.close();
  }
  const c = new RawClient(node);
  const q = new BlockedQueue(c);
  expect(q.queueId).toBe(1);
  q.fill();
  q.unmap();
  c.close();
}, 600_000);
