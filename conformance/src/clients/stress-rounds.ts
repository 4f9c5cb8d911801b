/**
 * The load of a stress client, the same on 1.0 and 2.0 queues: rounds of FILL then 15 fenced CRC32C on one
 * buffer per queue with a byte that changes every round; every completion is checked for its tag (each once,
 * none extra) and its value. With `progress` it prints {"round":N} after each round (the stress runner kills
 * victims at a chosen round), and last one JSON line {ok, errors, completions}.
 */
import type { Command, RingQueue } from '@openaccel/driver';
import { crc32c } from '../reference.js';
import { parentGone } from './lifeline.js';

const BATCH = 16;
const LENGTH = 256;

export interface StressLoad {
  queues: readonly RingQueue[];
  /** The buffer of each queue: a 1.0 memory handle or a 2.0 GEM handle. */
  handles: readonly number[];
  commands: number;
  seed: number;
  progress: boolean;
  /** How long a completion may take before it counts as lost. */
  waitMs: number;
}

export function runStressRounds(load: StressLoad): void {
  const errors: string[] = [];
  let completions = 0;
  const byteOf = (q: number, round: number) => (load.seed * 31 + q * 7 + round * 13) & 0xff;
  if (load.progress) process.stdout.write(`${JSON.stringify({ round: 0 })}\n`);
  for (let round = 0; round < Math.ceil(load.commands / BATCH); round++) {
    if (parentGone()) process.exit(70);
    const pending = load.queues.map((queue, q) => {
      const byte = byteOf(q, round);
      const handle = load.handles[q]!;
      const cmds: Command[] = [{ op: 'fill', dst: { handle }, dstLength: LENGTH, arg: BigInt(byte) * 0x0101010101010101n }];
      for (let i = 1; i < BATCH; i++) cmds.push({ op: 'crc32c', src: { handle }, srcLength: LENGTH, fence: true });
      return { q, queue, tags: queue.submitBatch(cmds), want: crc32c(new Uint8Array(LENGTH).fill(byte)) };
    });
    for (const p of pending) {
      const seen = new Set<number>();
      for (const [i, t] of p.tags.entries()) {
        let c;
        try {
          c = p.queue.waitSpin(t, { timeoutMs: load.waitMs });
        } catch (e) {
          errors.push(`queue ${p.q}: tag ${t}: ${(e as Error).message}`);
          continue;
        }
        completions++;
        if (c.tag !== t || seen.has(c.tag)) errors.push(`queue ${p.q}: tag ${c.tag} delivered for ${t} or twice`);
        seen.add(c.tag);
        if (!c.ok) errors.push(`queue ${p.q}: ${c.statusName}`);
        else if (i > 0 && c.result !== p.want) errors.push(`queue ${p.q} round ${round}: CRC ${c.result} != ${p.want}`);
      }
      // A completion posted twice would make the count of those in flight negative.
      p.queue.poll();
      if (p.queue.pending < 0) errors.push(`queue ${p.q}: ${-p.queue.pending} completions more than commands`);
    }
    if (load.progress) process.stdout.write(`${JSON.stringify({ round: round + 1 })}\n`);
    if (errors.length > 20) break;
  }
  process.stdout.write(`${JSON.stringify({ ok: errors.length === 0, errors: errors.slice(0, 10), completions })}\n`);
}
