/**
 * Profile dmabuf-exporter: what every dma-buf must do for a user, whoever exported it (a dma-heap,
 * udmabuf, a DRM driver's PRIME export, an OpenAccel device). The buffer comes from the node under test.
 */
import { statSync } from 'node:fs';
import { C, createEventfd, ioctl, pollFds, seekFd } from '@openaccel/sys';
import { ConformanceFailure, expectEqual, SkipTest } from '../model.js';
import { newDmabuf } from '../native/dmabuf-source.js';
import { DMA_BUF, syncFileArg, syncFileFd, u64Arg } from '../native/dmabuf-uapi.js';
import { errnoOf, readSmall, type NativeEnv } from '../native/native-env.js';
import type { NativeTest } from '../native/native-model.js';

const DMA_BUF_C = 'drivers/dma-buf/dma-buf.c';
const USER_NOTES = 'Documentation/driver-api/dma-buf.rst: Userspace Interface Notes';
const CPU_ACCESS = 'Documentation/driver-api/dma-buf.rst: CPU Access to DMA Buffer Objects';
const SIZE = 64 * 1024;
const SEEK_SET = 0;
const SEEK_CUR = 1;
const SEEK_END = 2;

function expectErrno(what: string, expected: string, seen: string | undefined): void {
  if (seen !== expected) throw new ConformanceFailure(`${what}: expected ${expected}, seen ${seen ?? 'success'}`, expected, seen ?? 'success');
}

function sync(fd: number, flags: number): string | undefined {
  return ioctl(fd, DMA_BUF.IOCTL_SYNC, u64Arg(flags)).errno;
}

/** Inode numbers of the dma-bufs alive in the system, from debugfs; undefined when debugfs is not mounted. */
function liveDmabufInodes(): Set<number> | undefined {
  const text = readSmall('/sys/kernel/debug/dma_buf/bufinfo', 8 * 1024 * 1024);
  if (text === undefined) return undefined;
  const inos = new Set<number>();
  // One line per buffer: size, flags, mode, count, exp_name, ino, name (dma-buf.c: dma_buf_debug_show).
  for (const line of text.split('\n')) {
    const cols = line.split('\t');
    if (cols.length >= 6 && /^\d{8,}$/.test(cols[0]!) && /^\d+$/.test(cols[5]!)) inos.add(Number(cols[5]));
  }
  return inos;
}

const test = (t: Omit<NativeTest, 'profile'>): NativeTest => ({ ...t, profile: 'dmabuf-exporter' });
const buffer = (env: NativeEnv) => newDmabuf(env, SIZE);

export const dmabufExporterSuite: NativeTest[] = [
  test({
    id: 'dmabuf.size.llseek',
    doc: 'llseek(SEEK_END, 0) gives the size and SEEK_SET 0 goes back to 0; any other seek fails with EINVAL',
    source: `${USER_NOTES}; ${DMA_BUF_C}: dma_buf_llseek`,
    run(env) {
      const b = buffer(env);
      expectEqual('SEEK_END 0', BigInt(b.size), seekFd(b.fd, 0n, SEEK_END));
      expectEqual('SEEK_SET 0', 0n, seekFd(b.fd, 0n, SEEK_SET));
      expectErrno('SEEK_CUR 0', 'EINVAL', errnoOf(() => seekFd(b.fd, 0n, SEEK_CUR)));
      expectErrno('SEEK_SET 4096', 'EINVAL', errnoOf(() => seekFd(b.fd, 4096n, SEEK_SET)));
      return { facts: { source: b.how, size: b.size } };
    },
  }),
  test({
    id: 'dmabuf.mmap.cpu_access',
    doc: 'the whole buffer maps shared; bytes written between SYNC_START and SYNC_END are read back through a second mapping',
    source: `${CPU_ACCESS}; ${DMA_BUF_C}: dma_buf_mmap_internal, dma_buf_ioctl`,
    run(env) {
      const b = buffer(env);
      const m = env.map(b.fd, b.size);
      expectEqual('SYNC_START|RW', undefined, sync(b.fd, DMA_BUF.SYNC_START | DMA_BUF.SYNC_RW));
      const bytes = m.bytes();
      for (let i = 0; i < bytes.length; i += 4093) bytes[i] = (i * 7 + 1) & 0xff;
      expectEqual('SYNC_END|RW', undefined, sync(b.fd, DMA_BUF.SYNC_END | DMA_BUF.SYNC_RW));
      const again = env.map(b.fd, b.size, { prot: C.PROT_READ });
      expectEqual('SYNC_START|READ', undefined, sync(b.fd, DMA_BUF.SYNC_START | DMA_BUF.SYNC_READ));
      const seen = again.bytes();
      for (let i = 0; i < seen.length; i += 4093) if (seen[i] !== ((i * 7 + 1) & 0xff)) throw new ConformanceFailure(`byte ${i} through the second mapping`, String((i * 7 + 1) & 0xff), String(seen[i]));
      expectEqual('SYNC_END|READ', undefined, sync(b.fd, DMA_BUF.SYNC_END | DMA_BUF.SYNC_READ));
    },
  }),
  test({
    id: 'dmabuf.mmap.past_end',
    doc: 'a mapping that reaches past the end of the buffer fails with EINVAL',
    source: `${DMA_BUF_C}: dma_buf_mmap_internal`,
    run(env) {
      const b = buffer(env);
      expectErrno('mmap of size + 1 page', 'EINVAL', errnoOf(() => env.map(b.fd, b.size + 4096)));
      expectErrno('mmap of one page at offset size', 'EINVAL', errnoOf(() => env.map(b.fd, 4096, { offset: b.size })));
    },
  }),
  test({
    id: 'dmabuf.sync.flags',
    doc: 'DMA_BUF_IOCTL_SYNC fails with EINVAL for unknown flag bits and for neither READ nor WRITE',
    source: `${DMA_BUF_C}: dma_buf_ioctl`,
    run(env) {
      const b = buffer(env);
      expectErrno('SYNC with bit 3', 'EINVAL', sync(b.fd, DMA_BUF.SYNC_START | DMA_BUF.SYNC_RW | 8));
      expectErrno('SYNC with neither READ nor WRITE', 'EINVAL', sync(b.fd, DMA_BUF.SYNC_START));
      expectErrno('SYNC END with neither READ nor WRITE', 'EINVAL', sync(b.fd, DMA_BUF.SYNC_END));
    },
  }),
  test({
    id: 'dmabuf.set_name',
    doc: 'DMA_BUF_SET_NAME names the buffer (fdinfo shows it); a name longer than DMA_BUF_NAME_LEN fails with EINVAL',
    source: `${DMA_BUF_C}: dma_buf_set_name, dma_buf_show_fdinfo`,
    run(env) {
      const b = buffer(env);
      const name = Buffer.from('oa-conformance\0'.padEnd(128, '\0'));
      expectEqual('SET_NAME', undefined, ioctl(b.fd, DMA_BUF.SET_NAME_B, name).errno);
      expectEqual('fdinfo name', 'oa-conformance', env.fdinfo(b.fd).get('name') ?? '(absent)');
      const long = Buffer.from(`${'x'.repeat(DMA_BUF.NAME_LEN + 8)}\0`.padEnd(128, '\0'));
      expectErrno('SET_NAME of 40 bytes', 'EINVAL', ioctl(b.fd, DMA_BUF.SET_NAME_B, long).errno);
    },
  }),
  test({
    id: 'dmabuf.sync_file.export_import',
    doc: 'EXPORT_SYNC_FILE gives a sync_file that is signalled for an idle buffer and can be imported back; both refuse flags without READ or WRITE and with unknown bits (EINVAL), and import refuses an fd that is not a sync_file (EINVAL)',
    source: `${DMA_BUF_C}: dma_buf_export_sync_file, dma_buf_import_sync_file`,
    run(env) {
      const b = buffer(env);
      const arg = syncFileArg(DMA_BUF.SYNC_RW, -1);
      expectEqual('EXPORT_SYNC_FILE RW', undefined, ioctl(b.fd, DMA_BUF.EXPORT_SYNC_FILE, arg).errno);
      const sf = env.own(syncFileFd(arg));
      const [revents] = pollFds([sf], C.POLLIN, 0);
      if (!(revents! & C.POLLIN)) throw new ConformanceFailure('the sync_file of an idle buffer', 'signalled (POLLIN)', `revents 0x${revents!.toString(16)}`);
      expectEqual('IMPORT_SYNC_FILE WRITE', undefined, ioctl(b.fd, DMA_BUF.IMPORT_SYNC_FILE, syncFileArg(DMA_BUF.SYNC_WRITE, sf)).errno);
      expectErrno('EXPORT_SYNC_FILE flags 0', 'EINVAL', ioctl(b.fd, DMA_BUF.EXPORT_SYNC_FILE, syncFileArg(0, -1)).errno);
      expectErrno('EXPORT_SYNC_FILE bit 4', 'EINVAL', ioctl(b.fd, DMA_BUF.EXPORT_SYNC_FILE, syncFileArg(DMA_BUF.SYNC_READ | 16, -1)).errno);
      expectErrno('IMPORT_SYNC_FILE flags 0', 'EINVAL', ioctl(b.fd, DMA_BUF.IMPORT_SYNC_FILE, syncFileArg(0, sf)).errno);
      expectErrno('IMPORT_SYNC_FILE of an eventfd', 'EINVAL', ioctl(b.fd, DMA_BUF.IMPORT_SYNC_FILE, syncFileArg(DMA_BUF.SYNC_READ, env.own(createEventfd()))).errno);
    },
  }),
  test({
    id: 'dmabuf.fdinfo',
    doc: 'the fdinfo of a dma-buf has size (equal to the llseek size), count and a non-empty exp_name',
    source: `${DMA_BUF_C}: dma_buf_show_fdinfo`,
    run(env) {
      const b = buffer(env);
      const info = env.fdinfo(b.fd);
      expectEqual('fdinfo size', String(seekFd(b.fd, 0n, SEEK_END)), info.get('size') ?? '(absent)');
      if (!/^\d+$/.test(info.get('count') ?? '')) throw new ConformanceFailure('fdinfo count', 'an integer', info.get('count') ?? '(absent)');
      if (!info.get('exp_name')) throw new ConformanceFailure('fdinfo exp_name', 'the exporter name', '(absent or empty)');
      return { facts: { exp_name: info.get('exp_name')! } };
    },
  }),
  test({
    id: 'dmabuf.release.last_reference',
    doc: 'a mapping keeps the buffer (and its bytes) after its last fd closes; the buffer is released when the mapping goes too',
    source: `${DMA_BUF_C}: dma_buf_file_release, dma_buf_mmap_internal; ${CPU_ACCESS}`,
    run(env) {
      const before = liveDmabufInodes();
      if (!before) throw new SkipTest('debugfs (/sys/kernel/debug/dma_buf/bufinfo)', 'debugfs is not mounted here: release cannot be observed');
      const b = buffer(env);
      const ino = statSync(`/proc/self/fd/${b.fd}`).ino;
      if (!liveDmabufInodes()!.has(ino)) throw new ConformanceFailure(`dma-buf inode ${ino} in bufinfo`, 'listed while open', 'not listed');
      const m = env.map(b.fd, b.size);
      m.bytes()[100] = 0x5a;
      env.close(b.fd);
      if (!liveDmabufInodes()!.has(ino)) throw new ConformanceFailure('the buffer with its fd closed and a mapping left', 'alive', 'released');
      expectEqual('byte through the mapping after close', 0x5a, m.bytes()[100]);
      m.close();
      if (liveDmabufInodes()!.has(ino)) throw new ConformanceFailure('the buffer with no fd and no mapping', 'released', 'still listed');
    },
  }),
];
