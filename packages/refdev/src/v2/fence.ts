/**
 * Fences and syncobjs as refdev keeps them: a fence signals once, with or without an error; a syncobj
 * holds a binary fence or a timeline of points (a dma_fence_chain in the kernel), and tells its
 * listeners whenever a fence is attached or one of its fences signals.
 */

type FenceState = 'pending' | 'ok' | 'error';

export class Fence {
  state: FenceState = 'pending';
  private readonly listeners = new Set<() => void>();

  static signalled(): Fence {
    const f = new Fence();
    f.state = 'ok';
    return f;
  }

  signal(error = false): void {
    if (this.state !== 'pending') return;
    this.state = error ? 'error' : 'ok';
    for (const l of [...this.listeners]) l();
    this.listeners.clear();
  }

  /** Calls `cb` once when the fence signals (at once if it has); returns the unsubscription. */
  whenSignalled(cb: () => void): () => void {
    if (this.state !== 'pending') {
      cb();
      return () => {};
    }
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
}

interface Point {
  point: bigint;
  fence: Fence;
}

export class Syncobj {
  /** The binary payload, when no timeline point was attached since the last replace. */
  private binary: Fence | undefined;
  /** Timeline points in ascending order. */
  private chain: Point[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(signalled: boolean) {
    if (signalled) this.binary = Fence.signalled();
  }

  /** Calls `cb` on every change until unsubscribed. */
  watch(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Attaches `fence` at `point`: 0 replaces the binary payload, any other adds a timeline point. */
  attach(point: bigint, fence: Fence): void {
    if (point === 0n) {
      this.binary = fence;
      this.chain = [];
    } else {
      this.binary = undefined;
      const at = this.chain.findIndex((p) => p.point > point);
      this.chain.splice(at < 0 ? this.chain.length : at, 0, { point, fence });
    }
    fence.whenSignalled(() => this.changed());
    this.changed();
  }

  reset(): void {
    this.binary = undefined;
    this.chain = [];
    this.changed();
  }

  /**
   * The state a wait on `point` sees: 'none' when no fence covers it yet, else the state of the first
   * chain point at or above it together with every point before (a chain signals in order).
   */
  stateAt(point: bigint): 'none' | FenceState {
    if (point === 0n && this.binary) return this.binary.state;
    const last = point === 0n ? this.chain.length - 1 : this.chain.findIndex((p) => p.point >= point);
    if (last < 0) return 'none';
    let state: FenceState = 'ok';
    for (let i = 0; i <= last; i++) {
      const s = this.chain[i]!.fence.state;
      if (s === 'pending') return 'pending';
      if (s === 'error') state = 'error';
    }
    return state;
  }

  /** A fence for `point` that signals as a wait on it would end; undefined when no fence covers it. */
  fenceAt(point: bigint): Fence | undefined {
    const s = this.stateAt(point);
    if (s === 'none') return undefined;
    if (point === 0n && this.binary) return this.binary;
    const f = new Fence();
    const check = () => {
      const now = this.stateAt(point);
      if (now === 'ok' || now === 'error') (stop(), f.signal(now === 'error'));
    };
    const stop = this.watch(check);
    check();
    return f;
  }

  /** SYNCOBJ_QUERY: the last signalled point (every point up to it signalled), or the last submitted one. */
  query(lastSubmitted: boolean): bigint {
    if (lastSubmitted) return this.chain.at(-1)?.point ?? 0n;
    let last = 0n;
    for (const p of this.chain) {
      if (p.fence.state === 'pending') break;
      last = p.point;
    }
    return last;
  }
}
