/**
 * A seeded pseudo-random generator (SplitMix32): the same seed gives the same sequence on every
 * machine, so a fuzz or stress run that found something is replayed by its seed.
 */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A seed for a sub-generator (a client process, a round), derived from this sequence. */
  fork(): number {
    return this.next();
  }
}

/** A fresh seed for a run that was not given one. */
export function randomSeed(): number {
  return (Math.random() * 0x1_0000_0000) >>> 0;
}
