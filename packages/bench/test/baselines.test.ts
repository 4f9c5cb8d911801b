import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { cBaselines } from '../src/index.js';

const hasGcc = spawnSync('gcc', ['--version']).status === 0;
let privateTmp: string;
let savedTmp: string | undefined;

beforeEach(() => {
  savedTmp = process.env.TMPDIR;
  privateTmp = mkdtempSync(join(tmpdir(), 'oa-bench-test-'));
  process.env.TMPDIR = privateTmp; // os.tmpdir() follows it, so this test sees only its own leftovers
});

afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(privateTmp, { recursive: true, force: true });
});

it.skipIf(!hasGcc)('the C baselines leave no compiled program or directory behind', () => {
  const r = cBaselines(200);
  expect('unavailable' in r ? r.unavailable : r.samples).toBe(200);
  if (!('unavailable' in r)) expect(r.block).toBe(1);
  expect(readdirSync(privateTmp)).toEqual([]);
}, 120_000);

it.skipIf(!hasGcc)('a prebuilt baseline program (a guest without a compiler) is run as given', () => {
  const exe = join(privateTmp, 'pingpong');
  const src = new URL('../c/pingpong.c', import.meta.url).pathname;
  expect(spawnSync('gcc', ['-O2', '-std=c11', '-pthread', '-static', '-o', exe, src]).status).toBe(0);
  const r = cBaselines(100, exe, 10);
  if ('unavailable' in r) throw new Error(r.unavailable);
  // Blocks of 10 round trips per clock pair, as the JavaScript side times them.
  expect([r.block, r.samples, r.cacheline_pingpong.samples]).toEqual([10, 10, 10]);
  expect(r.timer_pair_ns).toBeGreaterThan(0);
}, 120_000);

it.skipIf(!hasGcc)('a prebuilt program that times single round trips is not compared with blocks', () => {
  // An older pingpong.c ignores BLOCK and prints no "block": its figures would carry a whole clock pair each.
  const src = join(privateTmp, 'old.c');
  writeFileSync(src, '#include <stdio.h>\nint main(void){const char*s="{\\"samples\\":4,\\"p50_ns\\":1,\\"p90_ns\\":1,\\"p99_ns\\":1,\\"p99_9_ns\\":1,\\"max_ns\\":1}";printf("{\\"pingpong\\":%s,\\"command_doorbell\\":%s}\\n",s,s);return 0;}\n');
  const exe = join(privateTmp, 'old');
  expect(spawnSync('gcc', ['-o', exe, src]).status).toBe(0);
  expect(cBaselines(4, exe, 2)).toEqual({ unavailable: `${exe} does not time blocks of 2 round trips (rebuild it from c/pingpong.c)` });
}, 120_000);

it('a prebuilt baseline program that is not there is reported unavailable, not thrown', () => {
  expect(cBaselines(10, join(privateTmp, 'absent'))).toEqual({ unavailable: `${join(privateTmp, 'absent')}: no such file (compile c/pingpong.c there first)` });
});
