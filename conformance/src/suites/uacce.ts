/**
 * Profile uacce: the sysfs ABI of Documentation/ABI/testing/sysfs-driver-uacce, and the queue and mmap
 * semantics of include/uapi/misc/uacce/uacce.h as drivers/misc/uacce/uacce.c implements them. The queue
 * tests need a real UACCE node; on a fixture tree (no node) they are skipped and say so.
 */
import { join } from 'node:path';
import { ioctl } from '@openaccel/sys';
import { ConformanceFailure, expectEqual, SkipTest } from '../model.js';
import { errnoOf, readSmall, type NativeEnv } from '../native/native-env.js';
import { UACCE_CMD_PUT_Q, UACCE_CMD_START_Q } from '../native/uacce-openaccel-queue.js';
import type { NativeTest } from '../native/native-model.js';
import { uacceOpenaccelSuite } from './uacce-openaccel.js';

const ABI = 'Documentation/ABI/testing/sysfs-driver-uacce';
const UACCE_C = 'drivers/misc/uacce/uacce.c';
const UAPI_H = 'include/uapi/misc/uacce/uacce.h';
/** UACCE_DEV_SVA: the only flag uacce.h defines. */
const KNOWN_FLAGS = 1;
const UACCE_MAX_ERR_THRESHOLD = 65535;
const PAGE = 4096;
/** enum uacce_qfrt and the attribute giving each region's size (absent when the queue has none). */
const REGIONS = [
  { name: 'MMIO', type: 0, attr: 'region_mmio_size' },
  { name: 'DUS', type: 1, attr: 'region_dus_size' },
] as const;

function dirOf(env: NativeEnv): string {
  if (!env.node.sysfsDir) throw new ConformanceFailure(`no class/uacce directory for ${env.node.path}`, 'a uacce class directory', 'none');
  return env.node.sysfsDir;
}

/** An attribute's single line; undefined when absent. */
function attr(env: NativeEnv, name: string): string | undefined {
  const v = readSmall(join(dirOf(env), name));
  return v === undefined ? undefined : v.replace(/\n$/, '');
}

function required(env: NativeEnv, name: string): string {
  const v = attr(env, name);
  if (v === undefined) throw new ConformanceFailure(`attribute ${name}`, 'present', 'absent');
  return v;
}

function unsigned(name: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new ConformanceFailure(`${name} format`, 'an unsigned decimal', JSON.stringify(v));
  return Number(v);
}

/** The queue node, or a skip on a fixture tree. */
function queueNode(env: NativeEnv): number {
  if (!env.node.devt) throw new SkipTest('a UACCE device node', `${env.node.path} is not a device node (a fixture tree): queue semantics need hardware`);
  return env.open();
}

const test = (t: Omit<NativeTest, 'profile'>): NativeTest => ({ ...t, profile: 'uacce' });

const uacceFrameworkSuite: NativeTest[] = [
  test({
    id: 'uacce.sysfs.api',
    doc: 'api is present: a non-empty string applications match their user-space driver by',
    source: `${ABI}: api; ${UACCE_C}: api_show`,
    run(env) {
      const v = required(env, 'api');
      if (!v.trim() || v.includes('\n')) throw new ConformanceFailure('api', 'one non-empty line', JSON.stringify(v));
      return { facts: { api: v } };
    },
  }),
  test({
    id: 'uacce.sysfs.flags',
    doc: 'flags is an unsigned decimal with only UACCE_DEV_* bits (UACCE_DEV_SVA)',
    source: `${ABI}: flags; ${UAPI_H}: UACCE_DEV_SVA`,
    run(env) {
      const f = unsigned('flags', required(env, 'flags'));
      if (f & ~KNOWN_FLAGS) throw new ConformanceFailure('flags bits', 'UACCE_DEV_SVA (bit 0) only', `0x${f.toString(16)}`);
      return { facts: { sva: (f & 1) === 1 } };
    },
  }),
  test({
    id: 'uacce.sysfs.available_instances',
    doc: 'available_instances is a decimal count of queues left (an unreadable attribute means the driver has no get_available_instances)',
    source: `${ABI}: available_instances; ${UACCE_C}: available_instances_show`,
    run(env) {
      const v = attr(env, 'available_instances');
      if (v === undefined) return { warn: 'unreadable: the driver provides no get_available_instances (ENODEV)' };
      return { facts: { available: unsigned('available_instances', v) } };
    },
  }),
  test({
    id: 'uacce.sysfs.algorithms',
    doc: 'algorithms lists at least one algorithm, one per line, without blanks',
    source: `${ABI}: algorithms; ${UACCE_C}: algorithms_show`,
    run(env) {
      const algs = required(env, 'algorithms').split('\n');
      for (const a of algs) if (!/^\S+$/.test(a)) throw new ConformanceFailure('algorithms entry', 'a name without blanks', JSON.stringify(a));
      return { facts: { algorithms: algs.join(',') } };
    },
  }),
  test({
    id: 'uacce.sysfs.region_sizes',
    doc: 'region_mmio_size and region_dus_size, where present (only for a region the queue has), are whole pages',
    source: `${ABI}: region_mmio_size, region_dus_size; ${UACCE_C}: uacce_dev_is_visible`,
    run(env) {
      const facts: Record<string, number> = {};
      for (const n of ['region_mmio_size', 'region_dus_size']) {
        const v = attr(env, n);
        if (v === undefined) continue;
        const bytes = unsigned(n, v);
        if (bytes === 0 || bytes % PAGE) throw new ConformanceFailure(n, `a non-zero multiple of ${PAGE}`, String(bytes));
        facts[n] = bytes;
      }
      return { facts };
    },
  }),
  test({
    id: 'uacce.sysfs.isolation',
    doc: 'isolate is 0 or 1; isolate_strategy, where present, is an error threshold from 0 to 65535',
    source: `${ABI}: isolate, isolate_strategy; ${UACCE_C}: isolate_strategy_store`,
    run(env) {
      const iso = attr(env, 'isolate');
      if (iso !== undefined && iso !== '0' && iso !== '1') throw new ConformanceFailure('isolate', '0 or 1', JSON.stringify(iso));
      const s = attr(env, 'isolate_strategy');
      if (s !== undefined && unsigned('isolate_strategy', s) > UACCE_MAX_ERR_THRESHOLD) throw new ConformanceFailure('isolate_strategy', `<= ${UACCE_MAX_ERR_THRESHOLD}`, s);
    },
  }),
  test({
    id: 'uacce.queue.start_put',
    doc: 'START_Q starts the queue of an open file once (a second START_Q is EINVAL); PUT_Q stops it and may be repeated',
    source: `${UAPI_H}: UACCE_CMD_START_Q, UACCE_CMD_PUT_Q; ${UACCE_C}: uacce_start_queue, uacce_stop_queue`,
    run(env) {
      const fd = queueNode(env);
      expectEqual('START_Q', undefined, ioctl(fd, UACCE_CMD_START_Q, null).errno);
      expectEqual('second START_Q', 'EINVAL', ioctl(fd, UACCE_CMD_START_Q, null).errno);
      expectEqual('PUT_Q', undefined, ioctl(fd, UACCE_CMD_PUT_Q, null).errno);
      expectEqual('second PUT_Q', undefined, ioctl(fd, UACCE_CMD_PUT_Q, null).errno);
    },
  }),
  test({
    id: 'uacce.queue.restart',
    doc: 'PUT_Q returns the queue to the state open() left it in: START_Q starts it again',
    source: `${UACCE_C}: uacce_stop_queue (UACCE_Q_STARTED -> UACCE_Q_INIT), uacce_start_queue`,
    run(env) {
      const fd = queueNode(env);
      expectEqual('START_Q', undefined, ioctl(fd, UACCE_CMD_START_Q, null).errno);
      expectEqual('PUT_Q', undefined, ioctl(fd, UACCE_CMD_PUT_Q, null).errno);
      expectEqual('START_Q after PUT_Q', undefined, ioctl(fd, UACCE_CMD_START_Q, null).errno);
    },
  }),
  test({
    id: 'uacce.queue.instances',
    doc: 'an open queue takes one of available_instances and its close gives it back',
    source: `${ABI}: available_instances; ${UACCE_C}: uacce_fops_open (get_queue), uacce_fops_release (put_queue)`,
    run(env) {
      if (!env.node.devt) throw new SkipTest('a UACCE device node', 'a fixture tree has no queues');
      const read = () => attr(env, 'available_instances');
      const before = read();
      if (before === undefined) throw new SkipTest('get_available_instances', 'available_instances is unreadable (the driver provides no count)');
      const fd = queueNode(env);
      expectEqual('available_instances with one more queue open', unsigned('available_instances', before) - 1, unsigned('available_instances', read()!));
      env.close(fd);
      expectEqual('available_instances once it is closed', unsigned('available_instances', before), unsigned('available_instances', read()!));
    },
  }),
  test({
    id: 'uacce.mmap.regions',
    doc: 'each region the device has (page offset UACCE_QFRT_MMIO 0, UACCE_QFRT_DUS 1) maps once (EEXIST the second time); page offset 2 or more is EINVAL',
    source: `${UAPI_H}: enum uacce_qfrt; ${UACCE_C}: uacce_fops_mmap`,
    run(env) {
      const fd = queueNode(env);
      expectEqual('mmap at page offset 2', 'EINVAL', errnoOf(() => env.map(fd, PAGE, { offset: 2 * PAGE })));
      const regions = REGIONS.filter((r) => attr(env, r.attr) !== undefined);
      if (regions.length === 0) throw new SkipTest('region_mmio_size or region_dus_size', 'the queue has no region to map');
      for (const r of regions) {
        const size = Number(attr(env, r.attr));
        env.map(fd, size, { offset: r.type * PAGE });
        expectEqual(`second mmap of the ${r.name} region`, 'EEXIST', errnoOf(() => env.map(fd, size, { offset: r.type * PAGE })));
      }
      return { facts: { regions: regions.map((r) => r.name).join(',') } };
    },
  }),
  test({
    id: 'uacce.mmap.remap',
    doc: 'a region maps again once its mapping is gone (closing the mapping frees the region of the queue)',
    source: `${UACCE_C}: uacce_vma_close`,
    run(env) {
      const fd = queueNode(env);
      const r = REGIONS.find((x) => attr(env, x.attr) !== undefined);
      if (!r) throw new SkipTest('region_mmio_size or region_dus_size', 'the queue has no region to map');
      const size = Number(attr(env, r.attr));
      env.map(fd, size, { offset: r.type * PAGE }).close();
      expectEqual(`mmap of the ${r.name} region after its mapping closed`, undefined, errnoOf(() => env.map(fd, size, { offset: r.type * PAGE })));
    },
  }),
  test({
    id: 'uacce.node.dev',
    doc: 'the class directory\'s dev is the node\'s major:minor',
    source: 'drivers/misc/uacce/uacce.c: uacce_alloc (cdev and device of the uacce class)',
    run(env) {
      if (!env.node.devt) throw new SkipTest('a UACCE device node', 'a fixture tree has no device node');
      expectEqual('dev', `${env.node.devt.major}:${env.node.devt.minor}`, required(env, 'dev'));
    },
  }),
];

/** The framework's rules, then the data path of the apis this runner has a user driver for. */
export const uacceSuite: NativeTest[] = [...uacceFrameworkSuite, ...uacceOpenaccelSuite];
