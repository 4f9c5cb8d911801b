import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
  expect(readdirSync(privateTmp)).toEqual([]);
}, 120_000);

it.skipIf(!hasGcc)('a prebuilt baseline program (a guest without a compiler) is run as given', () => {
  const exe = join(privateTmp, 'pingpong');
  const src = new URL('../c/pingpong.c', import.meta.url).pathname;
  expect(spawnSync('gcc', ['-O2', '-std=c11', '-pthread', '-static', '-o', exe, src]).status).toBe(0);
  const r = cBaselines(100, exe);
  if ('unavailable' in r) throw new Error(r.unavailable);
  expect([r.samples, r.cacheline_pingpong.samples]).toEqual([100, 100]);
}, 120_000);

it('a prebuilt baseline program that is not there is reported unavailable, not thrown', () => {
  expect(cBaselines(10, join(privateTmp, 'absent'))).toEqual({ unavailable: `${join(privateTmp, 'absent')}: no such file (compile c/pingpong.c there first)` });
});
