/**
 * gcc judges the 2.0 header as it judges 1.0's: a probe compiled against it for x86-64 and i386 carries
 * every size, offset, request number and constant in a data section of an object file, read back with
 * objcopy (this machine cannot execute i386 binaries), and each must equal what TypeScript computes.
 * drm.h is the system's: libdrm's copy (pkg-config libdrm) or installed kernel headers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { uapi2, type DataModel } from '@openaccel/uapi';
import { DRM_ARTIFACT_DIR, repoRoot } from '../src/index.js';

const c = uapi2.compiled;
const headerDir = join(repoRoot(), 'spec/uapi/include/drm');
const layoutHeader = join(repoRoot(), DRM_ARTIFACT_DIR, 'openaccel_accel_layout.h');
const hasGcc = spawnSync('gcc', ['--version']).status === 0;

/** Where the system keeps drm.h: libdrm's include dir, or installed kernel uAPI headers. */
function drmIncludeDir(): string | undefined {
  const pc = spawnSync('pkg-config', ['--cflags-only-I', 'libdrm'], { encoding: 'utf8' });
  const fromPc = pc.status === 0 ? pc.stdout.trim().split(/\s+/).find((f) => f.startsWith('-I'))?.slice(2) : undefined;
  return [fromPc, '/usr/include/libdrm', '/usr/include/drm'].find((d) => d !== undefined && existsSync(join(d, 'drm.h')));
}
const drmDir = drmIncludeDir();
// CI installs libdrm-dev; a developer machine without it skips, CI fails loudly instead.
if (!drmDir && process.env['CI']) throw new Error('drm.h not found: install libdrm-dev (pkg-config libdrm)');

const dir = mkdtempSync(join(tmpdir(), 'oa-drm-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// drm.h is the kernel's and predates C90/C99 pedantry; -isystem keeps the warnings about our header only.
const includes = () => ['-isystem', drmDir!, `-I${headerDir}`];

const has32 = hasGcc && spawnSync('gcc', ['-m32', '-x', 'c', '-c', '-o', join(dir, 'm32.o'), '-'], { input: 'int main(void){return 0;}' }).status === 0;
const abis = [['x86-64', '-m64', 'lp64'], ...(has32 || process.env['CI'] ? [['i386', '-m32', 'ilp32']] : [])] as const;

/** Label and C expression of every probed value, with the value TypeScript expects on a data model. */
function probes(model: DataModel): Array<[string, string, bigint]> {
  const out: Array<[string, string, bigint]> = [];
  for (const l of c.structs.values()) {
    const s = l.struct.name;
    out.push([`sizeof ${s}`, `sizeof(struct ${s})`, BigInt(l.sizeBytes)], [`alignof ${s}`, `_Alignof(struct ${s})`, BigInt(l.alignBytes)]);
    for (const f of l.fields) {
      out.push([`offsetof ${s}.${f.field.name}`, `offsetof(struct ${s}, ${f.field.name})`, BigInt(f.offset)]);
      out.push([`sizeof ${s}.${f.field.name}`, `sizeof(((struct ${s} *)0)->${f.field.name})`, BigInt(f.type.sizeBytes)]);
    }
  }
  for (const [name, layouts] of c.externalStructs) {
    const l = layouts[model];
    out.push([`alignof ${name}`, `_Alignof(struct ${name})`, BigInt(l.alignBytes)]);
    for (const f of l.fields) {
      out.push([`offsetof ${name}.${f.field.name}`, `offsetof(struct ${name}, ${f.field.name})`, BigInt(f.offset)]);
      out.push([`sizeof ${name}.${f.field.name}`, `sizeof(((struct ${name} *)0)->${f.field.name})`, BigInt(f.sizeBytes)]);
    }
  }
  for (const io of c.ioctls.values()) out.push([`request ${io.spec.name}`, `(unsigned long)${io.spec.name}`, BigInt(io.numbers.generic)]);
  for (const io of c.coreIoctls.values()) {
    // The nr, type and direction are fixed; the size is whatever this drm.h has (it may be newer than the description).
    out.push([`request ${io.spec.name} without size`, `(unsigned long)(${io.spec.name} & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))`, BigInt(io.numbers[model] & ~(0x3fff << 16)) & 0xffffffffn]);
    out.push([`size ${io.spec.name} is the struct`, `_IOC_SIZE(${io.spec.name}) == sizeof(struct ${io.spec.arg})`, 1n]);
    out.push([`size ${io.spec.name} holds the described fields`, `sizeof(struct ${io.spec.arg}) >= ${io.arg[model].sizeBytes}`, 1n]);
  }
  for (const k of c.spec.constants) out.push([`const ${k.name}`, k.name, BigInt(k.value)]);
  for (const k of c.spec.externalConstants ?? []) out.push([`drm const ${k.name}`, k.name, BigInt(k.value)]);
  for (const e of c.enums.values()) for (const x of e.entries) out.push([`enum ${x.name}`, x.name, BigInt(x.value)]);
  for (const f of c.flagSets.values()) {
    for (const b of f.spec.bits) out.push([`bit ${b.name}`, b.name, 1n << BigInt(b.bit)]);
    const mask = `${f.spec.name.toUpperCase()}_VALID_MASK`;
    out.push([`mask ${mask}`, mask, f.mask]);
  }
  return out;
}

function probe(flag: string, model: DataModel): { got: string[]; want: string[] } {
  const list = probes(model);
  const src = join(dir, `probe${flag}.c`);
  const obj = join(dir, `probe${flag}.o`);
  const bin = join(dir, `probe${flag}.bin`);
  // fcntl.h for O_CLOEXEC and O_RDWR, which DRM_CLOEXEC and DRM_RDWR stand for.
  writeFileSync(src, ['#define _POSIX_C_SOURCE 200809L', '#include <stddef.h>', '#include <fcntl.h>', '#include "openaccel_accel.h"',
    '__attribute__((section(".oaprobe"), used)) const long long oa_probe[] = {', ...list.map(([, expr]) => `  (long long)(${expr}),`), '};', ''].join('\n'));
  execFileSync('gcc', [flag, '-std=c11', '-Wall', '-Werror', ...includes(), '-c', '-o', obj, src]);
  execFileSync('objcopy', ['-O', 'binary', '--only-section=.oaprobe', obj, bin]);
  const raw = readFileSync(bin);
  expect(raw.length).toBe(list.length * 8);
  return {
    got: list.map(([label], i) => `${label} = ${BigInt.asUintN(64, raw.readBigInt64LE(i * 8))}`),
    want: list.map(([label, , v]) => `${label} = ${BigInt.asUintN(64, v)}`),
  };
}

describe.skipIf(!hasGcc || !drmDir)('the 2.0 C header, judged by gcc against the system drm.h', () => {
  it.each(abis)('has the sizes, offsets, numbers and constants the TypeScript side computes (%s)', (_abi, flag, model) => {
    const { got, want } = probe(flag, model);
    expect(got).toEqual(want);
  });

  it.each([
    ['C90', ['-x', 'c', '-std=c90']],
    ['C99', ['-x', 'c', '-std=c99']],
    ['C11', ['-x', 'c', '-std=c11']],
    ['C++98', ['-x', 'c++', '-std=c++98']],
    ['C++17', ['-x', 'c++', '-std=c++17']],
  ] as const)('the header and its layout asserts compile warning-free as %s for x86-64 and i386', (_lang, opts) => {
    for (const [, flag] of abis) {
      for (const file of [join(headerDir, 'openaccel_accel.h'), layoutHeader]) {
        const r = spawnSync('gcc', [flag, ...opts, '-fsyntax-only', '-Wall', '-Wextra', '-Wpedantic', '-Werror', ...includes(), file], { encoding: 'utf8' });
        expect(r.stderr, `${flag} ${file}`).toBe('');
        expect(r.status).toBe(0);
      }
    }
  });

  it.each([
    ['C90', ['-x', 'c', '-std=c90']],
    ['C11', ['-x', 'c', '-std=c11']],
    ['C++98', ['-x', 'c++', '-std=c++98']],
  ] as const)('the layout asserts are live: a layout change fails the build (%s)', (_lang, opts) => {
    const src = join(dir, `broken-${_lang}.h`);
    // __aligned_u64 becomes 4 bytes wide after linux/types.h defined it: every 64-bit field shrinks.
    writeFileSync(src, `#include <linux/types.h>\n#undef __aligned_u64\n#define __aligned_u64 __u32\n#include "${layoutHeader}"\n`);
    const r = spawnSync('gcc', [...opts, '-fsyntax-only', ...includes(), src], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/oa_device_info|oa_layout_assert|negative|static assert/);
  });
});

describe('the 2.0 uAPI header', () => {
  const text = readFileSync(join(headerDir, 'openaccel_accel.h'), 'utf8');
  it('includes only drm.h and keeps its asserts in the separate layout header', () => {
    expect(text.match(/^#include .*$/gm)).toEqual(['#include "drm.h"']);
    expect(text).not.toMatch(/static_assert|_Static_assert|OA_LAYOUT_ASSERT/);
    expect(readFileSync(layoutHeader, 'utf8')).toMatch(/OA_LAYOUT_ASSERT\(sizeof\(struct oa_sqe\) == 64/);
  });

  it('defines each ioctl as DRM_IOWR(DRM_COMMAND_BASE + DRM_OA_<NAME>, struct ...)', () => {
    for (const io of c.ioctls.values()) {
      const name = io.spec.name.replace('DRM_IOCTL_OA_', '');
      expect(text).toMatch(new RegExp(`^#define DRM_OA_${name} 0x${(io.spec.nr - 0x40).toString(16).padStart(2, '0')}$`, 'm'));
      expect(text).toMatch(new RegExp(`^#define ${io.spec.name} DRM_IOW?R?\\(DRM_COMMAND_BASE \\+ DRM_OA_${name}, struct ${io.spec.arg}\\)$`, 'm'));
    }
  });
});
