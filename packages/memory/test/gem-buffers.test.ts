// Buffers on 2.0 devices: GEM objects made by GEM_CREATE, reached by another device through PRIME, and
// heap dma-bufs imported as GEM handles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccelDevice, type AccelDevice } from '@openaccel/driver';
import { closeFd } from '@openaccel/sys';
import { startRefdev, type RefdevProcess } from '@openaccel/refdev';
import { BufferUsageError, MemoryManager } from '../src/index.js';

let refdev: RefdevProcess;
let dev0: AccelDevice;
let dev1: AccelDevice;
let mm: MemoryManager;

beforeAll(async () => {
  refdev = await startRefdev();
  dev0 = openAccelDevice(refdev.accelNode('accel0'));
  dev1 = openAccelDevice(refdev.accelNode('accel1'));
  dev0.bind();
  dev1.bind();
  mm = new MemoryManager({ devRoot: refdev.devRoot });
}, 120000);

afterAll(async () => {
  dev0?.close();
  dev1?.close();
  await refdev?.stop();
});

describe('GEM buffers', () => {
  it('device memory the CPU writes, accel0 copies, and accel1 reads through one PRIME import', async () => {
    const src = mm.allocGem(dev0, 5000, { label: 'src' });
    const dst = mm.allocGem(dev0, 5000, { label: 'dst' });
    expect(src.gem.size % dev0.queryMemory(0).allocAlign).toBe(0);
    src.with('write', (b) => b.set(Buffer.from('shared without a copy')));
    const q0 = dev0.createQueue({ sqEntries: 4 });
    expect((await q0.wait(q0.submit({ op: 'copy', src: src.ref(dev0), srcLength: 21, dst: dst.ref(dev0), dstLength: 21 }))).statusName).toBe('OK');

    // accel1 names dst by a handle of its own file: the dma-buf of accel0's object, imported once.
    const h1 = dst.handleIn(dev1);
    expect(dst.handleIn(dev1)).toBe(h1);
    expect(dev1.gemInfo(h1).memoryId).toBe(0xffffffff); // OA_MEMORY_ID_IMPORTED
    const q1 = dev1.createQueue({ sqEntries: 4 });
    const back = mm.allocGem(dev1, 4096, { label: 'back' });
    const c = await q1.wait(q1.submit({ op: 'copy', src: dst.ref(dev1), srcLength: 21, dst: back.ref(dev1), dstLength: 21 }));
    expect(c.ok).toBe(true);
    expect(back.with('read', (b) => Buffer.from(b.subarray(0, 21)).toString())).toBe('shared without a copy');
    back.close();

    dst.close();
    // Closing the buffer closes its import in accel1 too.
    expect(() => dev1.gemInfo(h1)).toThrow(expect.objectContaining({ errno: 'ENOENT' }));
    expect(() => dst.ref(dev1)).toThrow(BufferUsageError);
    src.close();
    q0.destroy();
    q1.destroy();
    expect(mm.liveCount).toBe(0);
  });

  it('a heap dma-buf is imported into a 2.0 device once, as a GEM handle', async () => {
    const b = mm.allocDmabuf(8192, 'heap');
    b.with('write', (bytes) => bytes.fill(7, 0, 8192));
    const h = b.importIntoDevice(dev0);
    expect(b.ref(dev0)).toEqual({ handle: h, offset: 0 });
    const q = dev0.createQueue({ sqEntries: 4 });
    const c = await q.wait(q.submit({ op: 'fill', dst: b.ref(dev0, 4096), dstLength: 8, arg: 0 }));
    expect(c.ok).toBe(true);
    b.with('read', (bytes) => expect([bytes[4095], bytes[4096], bytes[4103], bytes[4104]]).toEqual([7, 0, 0, 7]));
    b.close();
    expect(() => dev0.gemInfo(h)).toThrow(expect.objectContaining({ errno: 'ENOENT' }));
    q.destroy();
  });

  it('a dma-buf from elsewhere becomes a GEM buffer of a device (PRIME), mapped through its DRM file', () => {
    const src = mm.allocGem(dev0, 4096, { label: 'from accel0' });
    src.with('write', (b) => b.set([4, 5, 6]));
    const fd = src.exportFd();
    const there = mm.importGem(dev1, fd, 'on accel1');
    closeFd(fd); // the import holds the dma-buf
    expect(there.device).toBe(dev1);
    expect(there.with('read', (b) => [...b.subarray(0, 3)])).toEqual([4, 5, 6]);
    there.with('write', (b) => (b[1] = 50));
    expect(src.with('read', (b) => b[1])).toBe(50);
    expect(there.ref(dev1)).toEqual({ handle: there.gem.handle, offset: 0 });
    there.close();
    src.close();
  });

  it('an SVA buffer needs a device bound with SVA', () => {
    const s = mm.allocSva(4096, 'sva');
    expect(() => s.ref(dev0)).toThrow(/bound with \{ sva: true \}/);
    s.close();
  });

  it('a GEM buffer is named by 2.0 devices only', () => {
    const g = mm.allocGem(dev0, 4096);
    expect(() => g.ref({ pasid: 0 } as never)).toThrow(/2.0 devices only/);
    g.close();
  });
});
