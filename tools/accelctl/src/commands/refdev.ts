import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultRuntimeDir, findRefdev, parseConfig, startDetachedRefdev, stopDetachedRefdev, RefdevConfigError, RefdevStartError, RuntimeDirError } from '@openaccel/refdev';
import { readOpenAccelClass } from '@openaccel/sysfs';
import { EXIT, UsageError, json, parse, table, type Command } from '../command.js';

/** Where a refdev lives unless told: $OPENACCEL_RUNTIME, else $XDG_RUNTIME_DIR/openaccel, else /tmp/openaccel-UID. */
export function defaultRuntime(): string {
  return defaultRuntimeDir();
}

/** An unsafe runtime directory is reported, never used. */
function refused(e: unknown, command: string, io: { err(t: string): void }): number {
  if (!(e instanceof RuntimeDirError)) throw e;
  io.err(`accelctl refdev ${command}: ${e.message}`);
  return EXIT.fail;
}

const RUNTIME = { runtime: { type: 'string' } } as const;

export const refdevStart: Command = {
  path: ['refdev', 'start'],
  summary: 'start the reference device (a software accelerator) in the background',
  help: `usage: accelctl refdev start [--config FILE] [--runtime DIR]

Publishes the openaccel sysfs tree under DIR/sys, device nodes under DIR/dev/openaccel/, a dma-heap
node under DIR/dev/dma_heap/system and manifests under DIR/manifests/. DIR defaults to
$OPENACCEL_RUNTIME, $XDG_RUNTIME_DIR/openaccel or /tmp/openaccel-UID. DIR is made with mode 0700 when
missing and refused unless it is a directory (not a symlink) of this user that no one else may access.
The default configuration has two devices (accel0, accel1) with every function, sharing 256 MiB of HBM
and linked peer to peer.

examples:
  accelctl refdev start
  accelctl ls --sysfs-root /tmp/openaccel-0/sys`,
  async run(argv, io) {
    const { values } = parse(argv, { ...RUNTIME, config: { type: 'string' } }, false);
    const dir = values.runtime ?? defaultRuntime();
    let config = {};
    if (values.config) {
      try {
        config = parseConfig(JSON.parse(readFileSync(values.config, 'utf8')));
      } catch (e) {
        throw new UsageError(e instanceof RefdevConfigError || e instanceof SyntaxError ? `${values.config}: ${e.message}` : `cannot read ${values.config}: ${(e as Error).message}`);
      }
    }
    try {
      const r = await startDetachedRefdev(dir, config);
      io.out(`refdev running (pid ${r.pid}): ${r.devices.join(', ')}\n  sysfs   ${join(dir, 'sys')}\n  nodes   ${join(dir, 'dev', 'openaccel')}/\n  log     ${join(dir, 'refdev.log')}\nnext: accelctl ls --sysfs-root ${join(dir, 'sys')}`);
      return EXIT.ok;
    } catch (e) {
      if (e instanceof RefdevStartError) {
        io.err(`accelctl refdev start: ${e.message}`);
        return EXIT.fail;
      }
      return refused(e, 'start', io);
    }
  },
};

export const refdevStop: Command = {
  path: ['refdev', 'stop'],
  summary: 'stop the reference device',
  help: `usage: accelctl refdev stop [--runtime DIR]

Only the process listening on DIR/refdev.sock is signalled, through a pidfd of that connection's peer,
never a pid read from a file. Exit 0 when a refdev was stopped, 1 when none was running there.`,
  async run(argv, io) {
    const { values } = parse(argv, RUNTIME, false);
    const dir = values.runtime ?? defaultRuntime();
    let stopped: boolean;
    try {
      stopped = await stopDetachedRefdev(dir);
    } catch (e) {
      return refused(e, 'stop', io);
    }
    if (stopped) {
      io.out(`refdev under ${dir} stopped`);
      return EXIT.ok;
    }
    io.err(`accelctl refdev stop: no refdev running under ${dir}`);
    return EXIT.fail;
  },
};

export const refdevStatus: Command = {
  path: ['refdev', 'status'],
  summary: 'is the reference device running, and what it serves',
  help: `usage: accelctl refdev status [--runtime DIR] [--json]

Exit 0 when running, 1 when not.`,
  run(argv, io) {
    const { values } = parse(argv, { ...RUNTIME, json: { type: 'boolean' } }, false);
    const dir = values.runtime ?? defaultRuntime();
    let info;
    try {
      info = findRefdev(dir);
    } catch (e) {
      return refused(e, 'status', io);
    }
    const devices = info ? readOpenAccelClass(join(dir, 'sys')).devices : [];
    if (values.json) io.out(json('openaccel-cli/refdev-status/1', { runtime: dir, running: !!info, pid: info?.pid ?? null, devices: devices.map((d) => ({ name: d.name, model: d.model, freeQueues: d.freeQueues, maxQueues: d.maxQueues })) }));
    else if (!info) io.out(`no refdev running under ${dir}`);
    else io.out(`refdev running under ${dir} (pid ${info.pid})\n${table([['DEVICE', 'MODEL', 'QUEUES FREE', 'NODE'], ...devices.map((d) => [d.name, d.model, `${d.freeQueues}/${d.maxQueues}`, join(dir, 'dev', 'openaccel', d.name)])])}`);
    return info ? EXIT.ok : EXIT.fail;
  },
};
