/**
 * The answers of the three queries. A query at fleet size returns thousands of answers and a caller reads
 * a few reasons, so each answer writes its reason when it is first read; what the reason is built from
 * (the query's words, its target) is one object per query that every answer shares. JSON.stringify
 * carries the reason as a plain field. Each answer is one small class without a base class: a chain of
 * derived constructors made creating an answer twice as slow, and answers are most of a query's time.
 */
import type { DeviceVertex, LinkEdge, MemoryVertex } from './graph.js';

export interface Reason {
  /** Vertex ids from the device to the target, in order. */
  path: string[];
  /** The weights that decided the rank. */
  weights: Record<string, number | string | null>;
  text: string;
}

export interface NearestAnswer {
  device: DeviceVertex;
  /** SLIT-style distance (10 = local); null when it cannot be known. */
  distance: number | null;
  reason: Reason;
}

export interface SharedMemoryAnswer {
  /** Device with function X. */
  a: DeviceVertex;
  /** Device with function Y (the same device when it has both). */
  b: DeviceVertex;
  memory: MemoryVertex;
  reason: Reason;
}

export type ChainVia = 'same-device' | 'shared-memory' | 'p2p-link';

export interface ChainAnswer {
  /** Runs X. */
  from: DeviceVertex;
  /** Runs Y on X's output. */
  to: DeviceVertex;
  via: ChainVia;
  memory?: MemoryVertex;
  link?: LinkEdge;
  reason: Reason;
}

/** What a nearest query's reasons name: the target vertex and how to say it. */
export interface NearContext {
  targetId: string;
  targetText: string;
}

/** The two functions of a pair query. */
export interface PairContext {
  x: string;
  y: string;
}

/** Reasons written so far, by answer: only answers whose reason was read have one. */
const written = new WeakMap<object, Reason>();

/** Gives a class of answers a `reason` written by its `explain()` when first read (and assignable). */
function lazyReason(cls: { prototype: { explain(): Reason } }): void {
  Object.defineProperty(cls.prototype, 'reason', {
    get(this: { explain(): Reason }): Reason {
      let r = written.get(this);
      if (!r) written.set(this, (r = this.explain()));
      return r;
    },
    set(this: object, r: Reason) {
      written.set(this, r);
    },
  });
}

export class NearestHit implements NearestAnswer {
  declare reason: Reason;
  readonly #own: MemoryVertex | undefined;
  readonly #near: NearContext;

  constructor(
    readonly device: DeviceVertex,
    readonly distance: number | null,
    own: MemoryVertex | undefined,
    near: NearContext,
  ) {
    this.#own = own;
    this.#near = near;
  }

  explain(): Reason {
    const d = this.device;
    const own = this.#own;
    const { targetId, targetText } = this.#near;
    if (own) return { path: [d.id, own.id, targetId], weights: { distance: 10 }, text: `${d.name}'s own ${own.memKind} is ${targetText}: local` };
    const dist = this.distance;
    if (dist === null) {
      const why = d.numa < 0 ? `${d.name}'s NUMA node is unknown (-1)` : `no distance is known between node ${d.numa} and ${targetText}`;
      return { path: [d.id], weights: { distance: null, deviceNode: d.numa }, text: `${why}: ranked after every device of known distance` };
    }
    return {
      path: [d.id, `numa:${d.numa}`, targetId],
      weights: { distance: dist, deviceNode: d.numa },
      text: `${d.name} is on node ${d.numa}; distance to ${targetText} is ${dist}${dist === 10 ? ' (local)' : ''}`,
    };
  }

  toJSON(): NearestAnswer {
    return { device: this.device, distance: this.distance, reason: this.reason };
  }
}
lazyReason(NearestHit);

/** "X and Y reach one memory": the reason of a shared-memory answer and of a chain through that memory. */
function sharedReason(a: DeviceVertex, b: DeviceVertex, m: MemoryVertex, pair: PairContext): Reason {
  const same = a === b;
  return {
    path: same ? [a.id, m.id] : [a.id, m.id, b.id],
    weights: { memoryKind: m.memKind, sizeBytes: m.sizeBytes.toString(), sameDevice: same ? 'yes' : 'no' },
    text: same ? `${a.name} has both ${pair.x} and ${pair.y} and its own ${m.label}` : `${a.name} (${pair.x}) and ${b.name} (${pair.y}) both reach ${m.label}`,
  };
}

export class SharedHit implements SharedMemoryAnswer {
  declare reason: Reason;
  readonly #pair: PairContext;

  constructor(
    readonly a: DeviceVertex,
    readonly b: DeviceVertex,
    readonly memory: MemoryVertex,
    pair: PairContext,
  ) {
    this.#pair = pair;
  }

  explain(): Reason {
    return sharedReason(this.a, this.b, this.memory, this.#pair);
  }

  toJSON(): SharedMemoryAnswer {
    return { a: this.a, b: this.b, memory: this.memory, reason: this.reason };
  }
}
lazyReason(SharedHit);

/** One device runs both: a fenced second command on one queue. */
export class SameDeviceChain implements ChainAnswer {
  declare reason: Reason;
  readonly from: DeviceVertex;
  readonly to: DeviceVertex;
  readonly via = 'same-device';
  readonly #pair: PairContext;

  constructor(d: DeviceVertex, pair: PairContext) {
    this.from = d;
    this.to = d;
    this.#pair = pair;
  }

  explain(): Reason {
    const d = this.from;
    return { path: [d.id], weights: { via: 'same-device' }, text: `${d.name} runs both: submit ${this.#pair.y} with OA_SQE_FENCE after ${this.#pair.x} on one queue` };
  }

  toJSON(): ChainAnswer {
    return { from: this.from, to: this.to, via: this.via, reason: this.reason };
  }
}
lazyReason(SameDeviceChain);

/** X writes into a memory Y's device reads. */
export class MemoryChain implements ChainAnswer {
  declare reason: Reason;
  readonly via = 'shared-memory';
  readonly #pair: PairContext;

  constructor(
    readonly from: DeviceVertex,
    readonly to: DeviceVertex,
    readonly memory: MemoryVertex,
    pair: PairContext,
  ) {
    this.#pair = pair;
  }

  explain(): Reason {
    const r = sharedReason(this.from, this.to, this.memory, this.#pair);
    return { ...r, text: `${r.text}: ${this.#pair.x} writes it, ${this.#pair.y} reads it` };
  }

  toJSON(): ChainAnswer {
    return { from: this.from, to: this.to, via: this.via, memory: this.memory, reason: this.reason };
  }
}
lazyReason(MemoryChain);

/** X writes into Y's device over a peer-to-peer link. */
export class LinkChain implements ChainAnswer {
  declare reason: Reason;
  readonly via = 'p2p-link';
  readonly #pair: PairContext;

  constructor(
    readonly from: DeviceVertex,
    readonly to: DeviceVertex,
    readonly link: LinkEdge,
    pair: PairContext,
  ) {
    this.#pair = pair;
  }

  explain(): Reason {
    const { from: a, to: b, link: l } = this;
    const { x, y } = this.#pair;
    return {
      path: [a.id, l.id, b.id],
      weights: { bandwidthMBps: l.bandwidthMBps ?? null, latencyNs: l.latencyNs ?? null, linkKind: l.linkKind },
      text: `${a.name} (${x}) writes into ${b.name} (${y}) over a ${l.linkKind} p2p link${l.bandwidthMBps ? ` (${l.bandwidthMBps} MB/s` : ''}${l.latencyNs ? `, ${l.latencyNs} ns)` : l.bandwidthMBps ? ')' : ''}`,
    };
  }

  toJSON(): ChainAnswer {
    return { from: this.from, to: this.to, via: this.via, link: this.link, reason: this.reason };
  }
}
lazyReason(LinkChain);
