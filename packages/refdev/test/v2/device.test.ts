/**
 * refdev's 2.0 nodes: where they are, the accel sysfs layout, DRM core VERSION/GET_CAP, GET_INFO,
 * QUERY_FUNCTIONS, QUERY_MEMORY and BIND_CONTEXT, with the common rules in the spec's order.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drmConstant, drmCoreIoctl, uapi2 } from '@openaccel/uapi';
import { accelNodePath, accelSysfsDir } from '@openaccel/refdev';
import { useRefdev } from '../raw-client.js';
import { RawClient2, userBuffer } from './raw-client2.js';

const refdev = useRefdev();
const node = () => accelNodePath(refdev().runtimeDir, 'accel0');
const attr = (dev: string, file: string) => readFileSync(join(accelSysfsDir(refdev().runtimeDir, dev), 'openaccel', file), 'utf8').trim();

describe('2.0 nodes and sysfs', () => {
  it('publishes a socket node per device beside the 1.0 nodes', () => {
    for (const d of refdev().devices) {
      expect(statSync(accelNodePath(refdev().runtimeDir, d)).isSocket()).toBe(true);
      expect(existsSync(refdev().node(d))).toBe(true);
    }
    expect(refdev().accelNode('accel1')).toBe(accelNodePath(refdev().runtimeDir, 'accel1'));
  });

  it('has the accel layout: attributes, memories and links with peers as symlinks to accel devices', () => {
    const dir = accelSysfsDir(refdev().runtimeDir, 'accel0');
    expect(attr('accel0', 'api_version')).toBe('2.0');
    expect(attr('accel0', 'caps').split(' ')).toEqual(expect.arrayContaining(['syncobj', 'syncobj_timeline', 'cq_tail', 'device_memory']));
    expect(existsSync(join(dir, 'openaccel/vendor_id'))).toBe(false); // no PCI identity
    const shared = join(dir, 'openaccel/memories/0/shared_with/accel1');
    expect(lstatSync(shared).isSymbolicLink()).toBe(true);
    expect(realpathSync(shared)).toBe(realpathSync(accelSysfsDir(refdev().runtimeDir, 'accel1')));
    const peer = join(dir, 'openaccel/links/0/peer');
    expect(readlinkSync(peer).startsWith('..')).toBe(true);
    expect(realpathSync(peer)).toBe(realpathSync(accelSysfsDir(refdev().runtimeDir, 'accel1')));
    expect(readFileSync(join(dir, 'openaccel/memories/0/alloc_align'), 'utf8')).toBe('4096\n');
  });
});

describe('DRM core: VERSION and GET_CAP', () => {
  it('VERSION names the driver openaccel, copying no more than the room given', () => {
    const c = new RawClient2(node());
    const name = userBuffer(64);
    const r = c.core('DRM_IOCTL_VERSION', { name_len: 64n, name: name.ptr });
    expect(r.errno).toBe(0);
    expect(r.value.version_major).toBe(2);
    expect(r.value.name_len).toBe(9n);
    expect(name.buf.subarray(0, 9).toString()).toBe('openaccel');
    const short = userBuffer(4);
    const r2 = c.core('DRM_IOCTL_VERSION', { name_len: 4n, name: short.ptr });
    expect(r2.value.name_len).toBe(9n);
    expect(short.buf.toString()).toBe('open');
    c.close();
  });

  it('VERSION with an unwritable name buffer is EFAULT (version_fault)', () => {
    const c = new RawClient2(node());
    expect(c.core('DRM_IOCTL_VERSION', { name_len: 16n, name: 8n }).errno).toBe('EFAULT');
    c.close();
  });

  it('GET_CAP answers PRIME, SYNCOBJ and SYNCOBJ_TIMELINE; another cap is EOPNOTSUPP', () => {
    const c = new RawClient2(node());
    expect(c.core('DRM_IOCTL_GET_CAP', { capability: BigInt(drmConstant('DRM_CAP_PRIME')) }).value.value).toBe(3n);
    expect(c.core('DRM_IOCTL_GET_CAP', { capability: BigInt(drmConstant('DRM_CAP_SYNCOBJ')) }).value.value).toBe(1n);
    expect(c.core('DRM_IOCTL_GET_CAP', { capability: BigInt(drmConstant('DRM_CAP_SYNCOBJ_TIMELINE')) }).value.value).toBe(1n);
    expect(c.core('DRM_IOCTL_GET_CAP', { capability: 0x10n }).errno).toBe('EOPNOTSUPP');
    c.close();
  });
});

describe('GET_INFO, QUERY_FUNCTIONS, QUERY_MEMORY', () => {
  it('GET_INFO reports 2.0, the caps, page and cache-line size, the same facts as sysfs', () => {
    const c = new RawClient2(node());
    const r = c.ioctl('DRM_IOCTL_OA_GET_INFO');
    expect(r.errno).toBe(0);
    expect([r.value.api_major, r.value.api_minor]).toEqual([2, 0]);
    expect(r.value.page_size).toBe(4096);
    expect(r.value.cache_line_size).toBe(64);
    expect(r.value.num_opcodes).toBe(9);
    expect(r.value.max_syncobj_points).toBeGreaterThan(0);
    expect(String(r.value.max_queues)).toBe(attr('accel0', 'max_queues'));
    expect(Buffer.from(r.value.name).toString().replace(/\0.*$/s, '')).toBe(attr('accel0', 'model'));
    c.close();
  });

  it('QUERY_FUNCTIONS writes the bitmap to the caller and reports the words needed', () => {
    const c = new RawClient2(node());
    expect(c.ioctl('DRM_IOCTL_OA_QUERY_FUNCTIONS', { num_words: 0 }).value.num_words).toBe(1);
    const bitmap = userBuffer(16);
    const r = c.ioctl('DRM_IOCTL_OA_QUERY_FUNCTIONS', { num_words: 2, bitmap_ptr: bitmap.ptr });
    expect(r.errno).toBe(0);
    expect(bitmap.buf.readBigUInt64LE(0)).toBe(0x1ffn);
    expect(bitmap.buf.readBigUInt64LE(8)).toBe(0n); // only min(num_words, needed) words are written
    expect(c.ioctl('DRM_IOCTL_OA_QUERY_FUNCTIONS', { num_words: 1, bitmap_ptr: 16n }).errno).toBe('EFAULT');
    c.close();
  });

  it('QUERY_MEMORY gives kind, properties and alloc_align; an unknown id is ENOENT', () => {
    const c = new RawClient2(node());
    const m = c.ioctl('DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: 0 });
    expect(m.value).toMatchObject({ kind: 2, properties: 3, alloc_align: 4096, size: 256n << 20n });
    expect(c.ioctl('DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: 1 }).errno).toBe('ENOENT');
    c.close();
  });
});

describe('common rules, in order', () => {
  it('a nr past the driver table is EINVAL, not ENOTTY (drm_ioctl)', () => {
    const c = new RawClient2(node());
    const request = (0xc0 << 24) | (8 << 16) | (0x64 << 8) | 0x4f;
    expect(c.raw(request >>> 0, new Uint8Array(8)).errno).toBe('EINVAL');
    c.close();
  });

  it('unknown flags and reserved fields are EINVAL; an unbound context is EBADFD', () => {
    const c = new RawClient2(node());
    expect(c.ioctl('DRM_IOCTL_OA_GET_INFO', { flags: 1 }).errno).toBe('EINVAL');
    expect(c.ioctl('DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 4, reserved: 1 }).errno).toBe('EINVAL');
    expect(c.ioctl('DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 4 }).errno).toBe('EBADFD');
    expect(c.ioctl('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0 }).errno).toBe(0);
    expect(c.ioctl('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0 }).errno).toBe('EBUSY');
    c.close();
  });

  it('a short argument is zero-extended as drm_ioctl does (an old caller asks for nothing new)', () => {
    const c = new RawClient2(node());
    const io = uapi2.ioctl('DRM_IOCTL_OA_QUERY_MEMORY');
    const short = 8;
    const request = ((io.request() & ~(0x3fff << 16)) | (short << 16)) >>> 0;
    const r = c.raw(request, io.encode({ memory_id: 0 } as never).subarray(0, short));
    expect(r.errno).toBe(0);
    expect(r.data.length).toBe(short); // only _IOC_SIZE bytes come back
    c.close();
  });

  it('a context bound by another process is EPERM to this one (foreign_process)', () => {
    const c = new RawClient2(node());
    expect(c.ioctl('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0 }).errno).toBe(0);
    // The child inherits nothing; it is handed the connected socket as its fd 3 and asks GET_INFO.
    const script = `
      import { UnixSocket } from '@openaccel/sys';
      import { uapi2, encodeRequest, decodeReply, SocketNodeKind } from '@openaccel/uapi';
      const s = new UnixSocket(3);
      const io = uapi2.ioctl('DRM_IOCTL_OA_GET_INFO');
      s.send(encodeRequest({ kind: SocketNodeKind.Ioctl, request: io.request(), arg: io.encode({}) }));
      process.stdout.write(String(decodeReply(s.recv().payload).errno));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe', c.socket.fd], timeout: 60_000 });
    expect(r.stderr.toString()).toBe('');
    expect(Number(r.stdout.toString())).toBe(1); // EPERM
    c.close();
  });

  it('the core ioctl table is the spec (each request number decodes to its core struct size)', () => {
    expect(drmCoreIoctl('DRM_IOCTL_VERSION').sizeBytes).toBe(64);
  });
});
