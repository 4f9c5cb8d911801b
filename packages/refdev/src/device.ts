/** One software device: its engine thread, queue and PASID budgets, and the memory pools it reaches. */
import { Worker } from 'node:worker_threads';
import { writeOpenAccelAttribute, type OpenAccelDevice } from '@openaccel/sysfs';
import type { RefdevConfig, RefdevDeviceConfig, RefdevMemoryConfig } from './config.js';
import { CTL_MAIL, CTL_WAKE, type EngineInit, type EngineMessage, type EngineRequest } from './engine-protocol.js';
import { OPCODE_WORDS } from './functions.js';
import { writeAccelFreeQueues } from './v2/sysfs.js';

/** A memory region's allocator: capacity shared by every device that reaches it. */
export class MemoryPool {
  usedBytes = 0;
  constructor(readonly config: RefdevMemoryConfig) {}
  get freeBytes(): number {
    return this.config.sizeBytes - this.usedBytes;
  }
}

type EngineCommand = EngineRequest extends infer R ? (R extends { seq: number } ? Omit<R, 'seq'> : never) : never;

export class RefDevice {
  readonly engine: Worker;
  /** Resolves once the engine has loaded and serves; rejects when it failed to. */
  readonly ready: Promise<void>;
  private readonly control = new SharedArrayBuffer(8);
  private readonly ctl = new Int32Array(this.control);
  private seq = 0;
  private readonly acks = new Map<number, () => void>();
  private readonly progress = new Map<number, () => void>();
  private readonly watches = new Map<number, (errors: number) => void>();
  private nextWatch = 1;
  queuesInUse = 0;
  private nextPasid = 1;
  private readonly freePasids: number[] = [];
  nextContextId = 1;
  /** Device-wide queue keys (engine and mmap offsets): counted, never reused, never packed with other ids. */
  nextQueueKey = 1;
  /** Memory pools in this device's memory_id order. */
  readonly memories: MemoryPool[];
  gone = false;
  /** Rules this device breaks on purpose (conformance self-test). */
  readonly faults: ReadonlySet<string>;
  /** Live contexts (a fault looks across them). */
  readonly contexts = new Set<import('./context.js').Context>();

  constructor(
    readonly config: RefdevDeviceConfig,
    pools: ReadonlyMap<string, MemoryPool>,
    cfg: RefdevConfig,
    private readonly sysfsRoot: string,
  ) {
    this.faults = new Set(cfg.faults);
    this.memories = cfg.memories.filter((m) => m.devices.includes(config.name)).map((m) => pools.get(m.id)!);
    const init: EngineInit = {
      device: config.name,
      functions: this.functionsMask,
      maxTransferBytes: config.maxTransferBytes,
      spinNs: cfg.engineSpinNs,
      control: this.control,
      faults: cfg.faults,
    };
    this.engine = new Worker(new URL('./engine.js', import.meta.url), { workerData: init, name: `engine ${config.name}` });
    let loaded!: () => void;
    let failed!: (e: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => ((loaded = resolve), (failed = reject)));
    this.ready.catch(() => {}); // an engine gone after start is seen through `gone`
    // Its modules load after the Worker is made, each file taking an fd: one that fails (EMFILE) or dies
    // later leaves the device gone (ENODEV), never an unhandled 'error' that takes refdev down.
    this.engine.on('error', (e) => {
      this.gone = true;
      failed(e);
    });
    this.engine.on('exit', () => {
      this.gone = true;
      failed(new Error(`engine ${config.name} exited`));
    });
    this.engine.on('message', (m: EngineMessage) => {
      if ('ready' in m) {
        loaded();
        this.engine.unref(); // held only while it loads: refdev's life is the reactor's
      } else if ('ack' in m) {
        this.acks.get(m.ack)?.();
        this.acks.delete(m.ack);
      } else if ('reached' in m) {
        this.watches.get(m.reached)?.(m.errors);
        this.watches.delete(m.reached);
      } else {
        this.progress.get(m.progress)?.();
        this.progress.delete(m.progress);
      }
    });
  }

  get functionsMask(): bigint {
    return this.config.functions.reduce((m, f) => m | (1n << BigInt(OPCODE_WORDS.indexOf(f))), 0n);
  }

  has(cap: string): boolean {
    return this.config.caps.includes(cap);
  }

  /** Sends a request to the engine and resolves once it has been applied (the engine acknowledges). */
  tell(cmd: EngineCommand): Promise<void> {
    const seq = ++this.seq;
    const done = new Promise<void>((resolve) => this.acks.set(seq, resolve));
    this.engine.postMessage({ ...cmd, seq });
    Atomics.add(this.ctl, CTL_MAIL, 1);
    this.wake();
    return done;
  }

  /** Wakes a sleeping engine (the OA_IOCTL_SUBMIT path and new mail). */
  wake(): void {
    Atomics.add(this.ctl, CTL_WAKE, 1);
    Atomics.notify(this.ctl, CTL_WAKE);
  }

  /** Resolves when the engine reports that the queue's CQ tail reached `cqTail`. */
  async waitForCompletions(queueKey: number, cqTail: number): Promise<void> {
    const reached = new Promise<void>((resolve) => this.progress.set(queueKey, resolve));
    await this.tell({ op: 'waitFor', key: queueKey, cqTail });
    return reached;
  }

  /**
   * Resolves when the queue's CQ tail reaches `cqTail` with the count of non-OK completions up to it, or
   * with -1 when the queue stops or goes first; any number of watches per queue. `cancel` ends one early.
   */
  watch(queueKey: number, cqTail: number): { reached: Promise<number>; cancel: () => void } {
    const id = this.nextWatch++;
    const reached = new Promise<number>((resolve) => this.watches.set(id, resolve));
    void this.tell({ op: 'watch', key: queueKey, id, cqTail });
    return {
      reached,
      cancel: () => {
        if (this.watches.delete(id)) void this.tell({ op: 'unwatch', id });
      },
    };
  }

  cancelWait(queueKey: number): void {
    this.progress.delete(queueKey);
  }

  allocPasid(): number | undefined {
    const reuse = this.freePasids.pop();
    if (reuse !== undefined) return reuse;
    if (this.nextPasid >= 2 ** this.config.pasidBits) return undefined;
    return this.nextPasid++;
  }

  freePasid(p: number): void {
    this.freePasids.push(p);
  }

  get freeQueues(): number {
    return this.config.maxQueues - this.queuesInUse;
  }

  /** Keeps sysfs free_queues in step with the queues in use. */
  publishFreeQueues(): void {
    if (this.faults.has('sysfs-stale-free-queues')) return;
    writeOpenAccelAttribute(this.sysfsRoot, this.config.name, 'free_queues', this.freeQueues);
    writeAccelFreeQueues(this.sysfsRoot, this.config.name, this.freeQueues);
  }

  async stop(): Promise<void> {
    await Promise.race([this.tell({ op: 'stop' }), new Promise((r) => setTimeout(r, 1000))]);
    await this.engine.terminate();
  }
}

/** The sysfs description of a configured device. */
export function sysfsDevice(d: RefdevDeviceConfig, cfg: RefdevConfig): OpenAccelDevice {
  const memories = cfg.memories.filter((m) => m.devices.includes(d.name));
  return {
    name: d.name,
    apiVersion: { major: 1, minor: 0 },
    model: d.model,
    caps: [...d.caps],
    functions: OPCODE_WORDS.filter((w) => d.functions.includes(w)),
    maxQueues: d.maxQueues,
    freeQueues: d.maxQueues,
    maxSqEntries: d.maxSqEntries,
    maxCqEntries: d.maxCqEntries,
    maxTransferBytes: d.maxTransferBytes,
    sqeSize: 64,
    cqeSize: 16,
    doorbellSize: 4096,
    numaNode: d.numaNode,
    pasidBits: d.caps.includes('sva') ? d.pasidBits : 0,
    memories: memories.map((m, index) => ({ index, kind: m.kind, sizeBytes: BigInt(m.sizeBytes), numaNode: m.numaNode, sharedWith: m.devices.filter((x) => x !== d.name), cpuVisible: m.cpuVisible })),
    links: cfg.links.filter((l) => l.from === d.name).map((l, index) => ({ index, peer: l.to, kind: l.kind, bandwidthMBps: l.bandwidthMBps, latencyNs: l.latencyNs, coherent: l.coherent, p2p: l.p2p })),
  };
}
