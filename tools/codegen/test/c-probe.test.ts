/**
 * The C compiler is the judge of the header: a probe compiled against it prints every size, offset
 * and request number, and they must equal what the TypeScript side computes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { uapi } from '@openaccel/uapi';
import { repoRoot } from '../src/index.js';

const include = join(repoRoot(), 'spec/uapi/include');
const header = join(include, 'linux/openaccel.h');
const hasGcc = spawnSync('gcc', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'oa-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Each probed value is a label and a C constant expression. The values are compiled into a data section
 * of an object file and read back from it, so the probe needs no 32-bit runtime: many x86-64 kernels
 * cannot execute i386 binaries (IA32 emulation off), but gcc can still lay out their structs.
 */
function probes(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const l of uapi.compiled.structs.values()) {
    const s = l.struct.name;
    out.push([`struct ${s}`, `sizeof(struct ${s})`], [`struct ${s}`, `_Alignof(struct ${s})`]);
    for (const f of l.fields) {
      const n = f.field.name;
      out.push([`field ${s}.${n}`, `offsetof(struct ${s}, ${n})`], [`field ${s}.${n}`, `sizeof(((struct ${s} *)0)->${n})`]);
    }
  }
  for (const io of uapi.compiled.ioctls.values()) out.push([`ioctl ${io.spec.name}`, `(unsigned long)${io.spec.name}`]);
  for (const k of uapi.compiled.spec.constants) out.push([`const ${k.name}`, k.name]);
  for (const e of uapi.compiled.enums.values()) for (const x of e.entries) out.push([`const ${x.name}`, x.name]);
  for (const f of uapi.compiled.flagSets.values()) {
    for (const b of f.spec.bits) out.push([`const ${b.name}`, b.name]);
    const mask = `${f.spec.name.toUpperCase()}_VALID_MASK`;
    out.push([`const ${mask}`, mask]);
  }
  return out;
}

function probeSource(): string {
  const values = probes().map(([, expr]) => `  (long long)(${expr}),`);
  return ['#include <stddef.h>', '#include <linux/openaccel.h>',
    '__attribute__((section(".oaprobe"), used)) const long long oa_probe[] = {', ...values, '};', ''].join('\n');
}

/** Compiles the probe for one ABI and reads its values back as "label value value" lines. */
function runProbe(flag: string): string[] {
  const src = join(dir, `probe${flag}.c`);
  const obj = join(dir, `probe${flag}.o`);
  const bin = join(dir, `probe${flag}.bin`);
  writeFileSync(src, probeSource());
  execFileSync('gcc', [flag, '-std=c11', '-Wall', '-Werror', `-I${include}`, '-c', '-o', obj, src]);
  execFileSync('objcopy', ['-O', 'binary', '--only-section=.oaprobe', obj, bin]);
  const raw = readFileSync(bin);
  const list = probes();
  expect(raw.length).toBe(list.length * 8);
  const lines: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const label = list[i]![0];
    const value = raw.readBigInt64LE(i * 8).toString();
    const last = lines.length - 1;
    // struct and field entries carry two values (size and alignment, offset and size) under one label.
    if (last >= 0 && lines[last]!.startsWith(`${label} `) && lines[last]!.split(' ').length === label.split(' ').length + 1) {
      lines[last] += ` ${value}`;
    } else lines.push(`${label} ${value}`);
  }
  return lines;
}

function expected(): string[] {
  const out: string[] = [];
  for (const l of uapi.compiled.structs.values()) {
    out.push(`struct ${l.struct.name} ${l.sizeBytes} ${l.alignBytes}`);
    for (const f of l.fields) out.push(`field ${l.struct.name}.${f.field.name} ${f.offset} ${f.type.sizeBytes}`);
  }
  for (const io of uapi.compiled.ioctls.values()) out.push(`ioctl ${io.spec.name} ${io.numbers.generic}`);
  for (const k of uapi.compiled.spec.constants) out.push(`const ${k.name} ${k.value}`);
  for (const e of uapi.compiled.enums.values()) for (const x of e.entries) out.push(`const ${x.name} ${x.value}`);
  for (const f of uapi.compiled.flagSets.values()) {
    for (const b of f.spec.bits) out.push(`const ${b.name} ${2 ** b.bit}`);
    out.push(`const ${f.spec.name.toUpperCase()}_VALID_MASK ${f.mask}`);
  }
  return out;
}

/** i386 needs gcc-multilib; .ci/run installs it, a developer machine may not have it. */
const has32 = hasGcc && spawnSync('gcc', ['-m32', '-x', 'c', '-c', '-o', join(dir, 'm32.o'), '-'], { input: 'int main(void){return 0;}' }).status === 0;

describe.skipIf(!hasGcc)('the C header, judged by gcc', () => {
  const abis = [['x86-64', '-m64'], ...(has32 || process.env['CI'] ? [['i386', '-m32']] : [])] as const;

  it.each(abis)('has the sizes, offsets, numbers and constants the TypeScript side computes (%s)', (_abi, flag) => {
    const got = runProbe(flag);
    // i386 aligns a lone __u64 to 4; the header's __aligned_u64 must keep every struct identical.
    expect(got).toEqual(expected());
  });

  it.each([
    ['C11', ['-x', 'c', '-std=c11']],
    ['C++11', ['-x', 'c++', '-std=c++11']],
  ] as const)('compiles warning-free as %s for x86-64 and i386', (_lang, opts) => {
    for (const flag of abis.map((a) => a[1])) {
      const r = spawnSync('gcc', [flag, ...opts, '-fsyntax-only', '-Wall', '-Wextra', '-Wpedantic', '-Werror', `-I${include}`, header], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('fails to compile when a layout assertion is violated (the asserts are live)', () => {
    const src = join(dir, 'broken.c');
    writeFileSync(src, `#define __aligned_u64 __u32\n#include <linux/types.h>\n#undef __aligned_u64\n#define __aligned_u64 __u32\n#include <linux/openaccel.h>\n`);
    const r = spawnSync('gcc', ['-fsyntax-only', `-I${include}`, src], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/static assertion failed: "struct oa_device_info size"/);
  });
});
