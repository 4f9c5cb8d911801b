/**
 * Profile uacce, the data path of one api: on a device whose api is `openaccel-2.0-uacce` the queue
 * runs commands (UACCE gives a user-space driver the regions; what goes through them is the api's).
 * On any other api these tests are skipped and say why: the runner has no user driver for it.
 */
import { randomBytes } from 'node:crypto';
import { C, ioctl, pollFds } from '@openaccel/sys';
import { ConformanceFailure, expectEqual, SkipTest } from '../model.js';
import { readSmall, type NativeEnv } from '../native/native-env.js';
import type { NativeTest } from '../native/native-model.js';
import { NEED_WAKEUP, OA_UACCE, opcode, OPENACCEL_UACCE_API, QUEUE_ERROR, STATUS, UACCE_CMD_PUT_Q, UACCE_CMD_START_Q, UacceQueue } from '../native/uacce-openaccel-queue.js';
import { crc32c } from '../reference.js';

const OA_UACCE_H = 'packages/kmod/accel/oa_uacce.h';
const UACCE_C = 'drivers/misc/uacce/uacce.c';

/** The region sizes of an openaccel-2.0-uacce device, or a skip on another api or a fixture tree. */
function openaccelDevice(env: NativeEnv): { mmio: number; dus: number } {
  const dir = env.node.sysfsDir;
  const api = dir ? readSmall(`${dir}/api`)?.trim() : undefined;
  if (api !== OPENACCEL_UACCE_API) throw new SkipTest(`api ${OPENACCEL_UACCE_API}`, `the api is ${JSON.stringify(api)}: this runner has no user driver for its data path`);
  if (!env.node.devt) throw new SkipTest('a UACCE device node', 'a fixture tree has no queues');
  const size = (n: string) => Number(readSmall(`${dir}/${n}`)?.trim());
  const sizes = { mmio: size('region_mmio_size'), dus: size('region_dus_size') };
  const dataEnd = (OA_UACCE.dataPage * 4096) + OA_UACCE.dataSize;
  if (sizes.mmio !== OA_UACCE.mmioPages * 4096 || sizes.dus !== dataEnd) throw new ConformanceFailure('region sizes', `mmio ${OA_UACCE.mmioPages * 4096}, dus ${dataEnd}`, JSON.stringify(sizes));
  return sizes;
}

function expectStatus(what: string, expected: string, seen: number): void {
  if (seen !== STATUS[expected]) throw new ConformanceFailure(`${what}: status`, expected, Object.keys(STATUS).find((k) => STATUS[k] === seen) ?? String(seen));
}

const test = (t: Omit<NativeTest, 'profile'>): NativeTest => ({ ...t, profile: 'uacce' });

export const uacceOpenaccelSuite: NativeTest[] = [
  test({
    id: 'uacce.openaccel.commands',
    doc: 'a started queue runs commands on its data area: COPY moves the bytes, CRC32C and FILL give their results, each CQE in order with its tag',
    source: `${UACCE_C}: uacce_fops_mmap (UACCE_QFRT_MMIO, UACCE_QFRT_DUS); ${OA_UACCE_H}`,
    async run(env) {
      const q = new UacceQueue(env, openaccelDevice(env));
      const src = randomBytes(4096);
      q.data.set(src, 0);
      const copy = await q.run({ opcode: opcode('OA_OP_COPY'), src_handle: OA_UACCE.handleData, src_addr: 0n, src_length: 4096, dst_handle: OA_UACCE.handleData, dst_addr: 65536n, dst_length: 4096 });
      expectStatus('COPY', 'OK', copy.status);
      expectEqual('COPY result', 4096, copy.result);
      if (!Buffer.from(q.data.subarray(65536, 65536 + 4096)).equals(src)) throw new ConformanceFailure('COPY destination', 'the source bytes', 'other bytes');
      const crc = await q.run({ opcode: opcode('OA_OP_CRC32C'), src_handle: OA_UACCE.handleData, src_addr: 0n, src_length: 4096 });
      expectStatus('CRC32C', 'OK', crc.status);
      expectEqual('CRC32C result', crc32c(src), crc.result);
      const fill = await q.run({ opcode: opcode('OA_OP_FILL'), dst_handle: OA_UACCE.handleData, dst_addr: BigInt(OA_UACCE.dataSize - 16), dst_length: 16, arg: 0x0807060504030201n });
      expectStatus('FILL', 'OK', fill.status);
      expectEqual('FILL bytes', '01020304050607080102030405060708', Buffer.from(q.data.subarray(OA_UACCE.dataSize - 16)).toString('hex'));
      // More commands than the rings hold: the indices wrap and the phase flips.
      for (let i = 0; i < OA_UACCE.sqEntries + 3; i++) expectStatus(`NOP ${i}`, 'OK', (await q.run({ opcode: opcode('OA_OP_NOP') })).status);
      return { facts: { commands: OA_UACCE.sqEntries + 6 } };
    },
  }),
  test({
    id: 'uacce.openaccel.fault',
    doc: 'a range past the data area, or a handle other than the data area, completes ADDRESS_FAULT and writes nothing',
    source: `${UACCE_C}: uacce_fops_mmap (UACCE_QFRT_DUS); ${OA_UACCE_H}: OA_UACCE_HANDLE_DATA, OA_UACCE_DATA_SIZE`,
    async run(env) {
      const q = new UacceQueue(env, openaccelDevice(env));
      q.data.fill(0x5a, 0, 8192);
      const past = await q.run({ opcode: opcode('OA_OP_COPY'), src_handle: OA_UACCE.handleData, src_addr: BigInt(OA_UACCE.dataSize - 100), src_length: 200, dst_handle: OA_UACCE.handleData, dst_addr: 0n, dst_length: 200 });
      expectStatus('COPY from past the data area', 'ADDRESS_FAULT', past.status);
      const other = await q.run({ opcode: opcode('OA_OP_FILL'), dst_handle: OA_UACCE.handleData + 1, dst_addr: 0n, dst_length: 64, arg: 1n });
      expectStatus('FILL through another handle', 'ADDRESS_FAULT', other.status);
      if (q.data.subarray(0, 8192).some((b) => b !== 0x5a)) throw new ConformanceFailure('the data area after faults', 'unchanged', 'written');
    },
  }),
  test({
    id: 'uacce.openaccel.restart',
    doc: 'PUT_Q takes the queue off the engine (OA_QUEUE_ERROR in its status); START_Q restarts the ring from index 0 and it runs again',
    source: `${UACCE_C}: uacce_stop_queue, uacce_start_queue; ${OA_UACCE_H}`,
    async run(env) {
      const q = new UacceQueue(env, openaccelDevice(env));
      expectStatus('NOP', 'OK', (await q.run({ opcode: opcode('OA_OP_NOP') })).status);
      q.command('PUT_Q', UACCE_CMD_PUT_Q);
      if (!(q.statusWords().flags & QUEUE_ERROR)) throw new ConformanceFailure('status flags after PUT_Q', 'OA_QUEUE_ERROR set', `0x${q.statusWords().flags.toString(16)}`);
      expectEqual('the wake-up ioctl on a stopped queue', 'EINVAL', ioctl(q.fd, OA_UACCE.cmdWake, null).errno);
      q.command('START_Q', UACCE_CMD_START_Q);
      expectEqual('status words after START_Q', { sqHead: 0, cqTail: 0, flags: NEED_WAKEUP, armAck: 0 }, q.statusWords());
      q.tail = 0;
      q.head = 0;
      const c = await q.run({ opcode: opcode('OA_OP_FILL'), dst_handle: OA_UACCE.handleData, dst_addr: 0n, dst_length: 8, arg: 7n });
      expectStatus('FILL after the restart', 'OK', c.status);
      expectEqual('sq_head after the restart', 1, q.statusWords().sqHead);
    },
  }),
  test({
    id: 'uacce.openaccel.poll',
    doc: 'poll() reports POLLIN while the CQ holds a completion the user has not consumed, and not once it has',
    source: `${UACCE_C}: uacce_fops_poll (is_q_updated)`,
    // Longer than the poll's own bound, so a poll that never reports gives a failure, not a timeout.
    timeoutMs: 60000,
    async run(env) {
      const q = new UacceQueue(env, openaccelDevice(env));
      expectEqual('poll of an empty queue', 0, pollFds([q.fd], C.POLLIN, 0)[0]! & C.POLLIN);
      q.submit({ opcode: opcode('OA_OP_NOP') });
      // Blocks in the kernel until the engine's completion wakes the queue's wait queue (bounded).
      const ev = pollFds([q.fd], C.POLLIN, 20000)[0]!;
      expectEqual('poll with a completion waiting', C.POLLIN, ev & C.POLLIN);
      await q.next();
      expectEqual('poll once it is consumed', 0, pollFds([q.fd], C.POLLIN, 0)[0]! & C.POLLIN);
    },
  }),
];
