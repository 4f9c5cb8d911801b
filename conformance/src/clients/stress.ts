// A stress client: QUEUES queues, COMMANDS commands each, in rounds of FILL then 15 fenced CRC32C on
// device memory with a byte that changes every round; every completion is checked for its tag (each
// once, none extra) and its value. argv: node PATH QUEUES COMMANDS SEED [progress|quiet [WAIT_MS]]. With `progress` it
// prints {"round":N} after each round (the stress runner kills victims at a chosen round). Ends with one
// JSON line {ok, errors, completions}. WAIT_MS (default 20000) is how long a completion may take before it
// counts as lost.
import { openDevice, type Queue } from '@openaccel/driver';
import { crc32c } from '../reference.js';
import { endWithParent, parentGone, sayStarted } from './lifeline.js';

endWithParent();
sayStarted();
const [path, queuesArg, commandsArg, seedArg, progressArg, waitArg] = process.argv.slice(2);
const waitMs = Number(waitArg ?? 20000);
const queues = Number(queuesArg);
const commands = Number(commandsArg);
const seed = Number(seedArg);
const BATCH = 16;
const LENGTH = 256;

const errors: string[] = [];
let completions = 0;
const dev = openDevice(path!);
const ctx = dev.openContext();
const qs: Queue[] = Array.from({ length: queues }, () => ctx.createQueue({ sqEntries: 64 }));
const handles = qs.map(() => ctx.allocMemory(0, 4096));
const byteOf = (q: number, round: number) => (seed * 31 + q * 7 + round * 13) & 0xff;
if (progressArg === 'progress') process.stdout.write(`${JSON.stringify({ round: 0 })}\n`);

for (let round = 0; round < Math.ceil(commands / BATCH); round++) {
  if (parentGone()) process.exit(70);
  const pending = qs.map((queue, q) => {
    const byte = byteOf(q, round);
    const cmds = [{ op: 'fill' as const, dst: { handle: handles[q]! }, dstLength: LENGTH, arg: BigInt(byte) * 0x0101010101010101n }];
    for (let i = 1; i < BATCH; i++) cmds.push({ op: 'crc32c', src: { handle: handles[q]! }, srcLength: LENGTH, fence: true } as never);
    return { q, queue, tags: queue.submitBatch(cmds), want: crc32c(new Uint8Array(LENGTH).fill(byte)) };
  });
  for (const p of pending) {
    const seen = new Set<number>();
    for (const [i, t] of p.tags.entries()) {
      let c;
      try {
        c = p.queue.waitSpin(t, { timeoutMs: waitMs });
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
  if (progressArg === 'progress') process.stdout.write(`${JSON.stringify({ round: round + 1 })}\n`);
  if (errors.length > 20) break;
}
process.stdout.write(`${JSON.stringify({ ok: errors.length === 0, errors: errors.slice(0, 10), completions })}\n`);
ctx.close();
process.exit(0);
