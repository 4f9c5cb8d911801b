// A stress client: QUEUES queues, COMMANDS commands each, FILL then CRC32C on device memory, every
// completion checked for its tag (exactly once) and its value. Prints one JSON line {ok, errors, completions}.
import { openDevice } from '@openaccel/driver';

const [path, queuesArg, commandsArg, seedArg] = process.argv.slice(2);
const queues = Number(queuesArg);
const commands = Number(commandsArg);
const seed = Number(seedArg);

function crc32c(data: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (const b of data) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

const dev = openDevice(path!);
const ctx = dev.openContext();
const errors: string[] = [];
let completions = 0;
const qs = Array.from({ length: queues }, () => ctx.createQueue({ sqEntries: 64 }));
const handles = qs.map(() => ctx.allocMemory(0, 4096));
const expected = new Map<number, number>();
for (let q = 0; q < queues; q++) {
  const byte = (seed * 16 + q) & 0xff;
  expected.set(q, crc32c(new Uint8Array(256).fill(byte)));
}
for (let round = 0; round < commands / 16; round++) {
  const pending: { q: number; tags: number[] }[] = [];
  for (let q = 0; q < queues; q++) {
    const byte = BigInt((seed * 16 + q) & 0xff);
    const pattern = byte * 0x0101010101010101n;
    const cmds = [{ op: 'fill' as const, dst: { handle: handles[q]! }, dstLength: 256, arg: pattern }];
    for (let i = 0; i < 15; i++) cmds.push({ op: 'crc32c' as never, src: { handle: handles[q]! }, srcLength: 256, fence: true } as never);
    pending.push({ q, tags: qs[q]!.submitBatch(cmds) });
  }
  for (const p of pending) {
    const seen = new Set<number>();
    for (const [i, t] of p.tags.entries()) {
      const c = qs[p.q]!.waitSpin(t, { timeoutMs: 20000 });
      completions++;
      if (seen.has(c.tag)) errors.push(`queue ${p.q}: tag ${c.tag} twice`);
      seen.add(c.tag);
      if (!c.ok) errors.push(`queue ${p.q}: ${c.statusName}`);
      else if (i > 0 && c.result !== expected.get(p.q)) errors.push(`queue ${p.q}: CRC ${c.result} != ${expected.get(p.q)}`);
    }
  }
}
process.stdout.write(`${JSON.stringify({ ok: errors.length === 0, errors: errors.slice(0, 10), completions })}\n`);
ctx.close();
