// The 2.0 client on refdev's 2.0 nodes: recognition, facts, GEM objects, doorbell queues.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRefdev, type RefdevProcess } from '@openaccel/refdev';
import { uapi2 } from '@openaccel/uapi';
import { encodeCommandWords, openAccelDevice, openDevice, PreparedCommand, DriverError, type AccelDevice, type Command } from '../src/index.js';

describe('2.0 commands', () => {
  it('encode as the 2.0 oa_sqe codec does (opcode u16, flags u16)', () => {
    const sqe = uapi2.struct('oa_sqe');
    const cases: [Command, Record<string, number | bigint>][] = [
      [{ op: 'copy', fence: true, src: { handle: 3, offset: 16 }, srcLength: 100, dst: { address: 0x7fff_0000_1000n }, dstLength: 200 }, { opcode: 1, flags: 1, src_handle: 3, src_addr: 16n, src_length: 100, dst_addr: 0x7fff_0000_1000n, dst_length: 200 }],
      [{ op: 'fill', dst: { handle: 1 }, dstLength: 64, arg: 0xfedc_ba98_7654_3210n }, { opcode: 2, dst_handle: 1, dst_length: 64, arg: 0xfedc_ba98_7654_3210n }],
    ];
    for (const [cmd, fields] of cases) {
      const words = new Uint32Array(16);
      encodeCommandWords(words, 0, cmd, 9, 2);
      expect(Buffer.from(words.buffer)).toEqual(Buffer.from(sqe.encode({ ...fields, tag: 9 } as never)));
      expect(Buffer.from(new PreparedCommand(cmd, 2).words.buffer).subarray(8)).toEqual(Buffer.from(sqe.encode({ ...fields } as never)).subarray(8));
    }
  });
});

describe('on refdev 2.0 nodes', () => {
  let refdev: RefdevProcess;
  let dev: AccelDevice;

  beforeAll(async () => {
    refdev = await startRefdev({ config: { engineSpinNs: 5e9 } });
    dev = openAccelDevice(refdev.accelNode('accel0'));
    dev.bind();
  });

  afterAll(async () => {
    dev?.close();
    await refdev?.stop();
  });

  it('recognises the node as OpenAccel 2.0 and reads its facts', () => {
    const v = dev.version();
    expect(v.name).toBe('openaccel');
    expect(v.major).toBe(2);
    const info = dev.info();
    expect(info.apiVersion.major).toBe(2);
    expect(info.pageSize % 4096).toBe(0);
    expect(info.caps).toContain('device_memory');
    expect(dev.queryFunctions()).toEqual(expect.arrayContaining(['nop', 'copy', 'deflate', 'aes_gcm_encrypt']));
    expect(dev.getCap('DRM_CAP_SYNCOBJ')).toBe(info.caps.includes('syncobj') ? 1n : 0n);
  });

  it('refuses a node that is not a 2.0 device, leaving no fd open', () => {
    // A 1.0 node does not answer DRM_IOCTL_VERSION.
    const before = openDevice(refdev.node('accel0'));
    expect(before.info.apiVersion.major).toBe(1);
    expect(() => openAccelDevice(refdev.node('accel0'))).toThrow(expect.objectContaining({ name: 'DriverError', errno: 'ENODEV', ioctl: 'DRM_IOCTL_VERSION' }));
    expect(() => openAccelDevice('/dev/null')).toThrow(/neither a character device nor a socket|ENODEV/);
    expect(new DriverError('ENODEV', 'DRM_IOCTL_VERSION', 'x')).toBeInstanceOf(Error);
  });

  it('GEM objects: created zeroed, mapped, filled by the device, closed', async () => {
    const align = dev.queryMemory(0).allocAlign;
    const g = dev.gemCreate({ memoryId: 0, size: align * 2 });
    expect(g.size).toBe(align * 2);
    expect(dev.gemInfo(g.handle)).toEqual({ memoryId: 0, size: BigInt(align * 2), mmapOffset: g.mmapOffset });
    const q = dev.createQueue({ sqEntries: 8 });
    const c = await q.wait(q.submit({ op: 'fill', dst: { handle: g.handle, offset: 8 }, dstLength: 16, arg: 0x0807060504030201n }));
    expect(c.statusName).toBe('OK');
    const m = g.map();
    expect([...m.bytes(0, 28)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0]);
    m.close();
    q.destroy();
    g.close();
    expect(() => dev.gemInfo(g.handle)).toThrow(expect.objectContaining({ errno: 'ENOENT', field: 'handle' }));
  });

  it('a failed queue creation leaves nothing behind', () => {
    const free = dev.info().freeQueues;
    // Two rules of CREATE_QUEUE answer EINVAL; the error lists just those (the common ones cannot apply).
    expect(() => dev.createQueue({ sqEntries: 3 })).toThrow(/^EINVAL \(DRM_IOCTL_OA_CREATE_QUEUE\): one of: [^;]*rule sq_entries_invalid\); [^;]*rule cq_entries_invalid\)$/);
    expect(dev.info().freeQueues).toBe(free);
  });

  it('runs prepared commands with no system call while the engine polls (port of the 1.0 test)', () => {
    const q = dev.createQueue({ sqEntries: 16 });
    const nop = new PreparedCommand({ op: 'nop' }, 2);
    q.waitSpin(q.submit(nop), { timeoutMs: 60_000 });
    const before = dev.transport.calls;
    for (let i = 0; i < 2000; i++) {
      const tag = q.submit(nop);
      const c = q.waitSpin(tag, { timeoutMs: 60_000 });
      if (c.tag !== tag || !c.ok) throw new Error(`tag ${c.tag} status ${c.statusName}`);
    }
    expect(dev.transport.calls - before).toBe(0);
    expect(() => q.submit(new PreparedCommand({ op: 'nop' }))).toThrow(/uAPI 1.0/);
    q.destroy();
  }, 600_000);
});

describe('on a refdev whose engine sleeps as soon as it is idle', () => {
  let refdev: RefdevProcess;
  let dev: AccelDevice;

  beforeAll(async () => {
    refdev = await startRefdev({ config: { engineSpinNs: 0 } });
    dev = openAccelDevice(refdev.accelNode('accel0'));
    dev.bind();
  });

  afterAll(async () => {
    dev?.close();
    await refdev?.stop();
  });

  it('every doorbell store that finds NEED_WAKEUP is followed by SUBMIT, so the sleeping engine runs the work', async () => {
    const q = dev.createQueue({ sqEntries: 4 });
    for (let i = 1; i <= 5; i++) {
      const c = await q.wait(q.submit({ op: 'nop' }), { timeoutMs: 60_000 });
      expect(c.ok).toBe(true);
    }
    // The engine stopped polling between commands, so at least the new queue's first store rang by ioctl.
    expect(q.wakeups).toBeGreaterThanOrEqual(1);
    q.destroy();
  }, 120_000);
});

describe('fdinfo of a 2.0 file', () => {
  it('names the driver and the client id BIND_CONTEXT returned, and counts the queues', async () => {
    const refdev = await startRefdev();
    try {
      const d = openAccelDevice(refdev.accelNode('accel1'));
      const { contextId } = d.bind();
      const q = d.createQueue({ sqEntries: 4 });
      const info = d.fdinfo();
      expect(info.get('drm-driver')).toBe('openaccel');
      expect(info.get('drm-client-id')).toBe(String(contextId));
      expect(info.get('openaccel-queues')).toBe('1');
      expect(info.get('openaccel-sva')).toBe('0');
      q.destroy();
      expect(d.fdinfo().get('openaccel-queues')).toBe('0');
      d.close();
    } finally {
      await refdev.stop();
    }
  }, 120_000);
});
