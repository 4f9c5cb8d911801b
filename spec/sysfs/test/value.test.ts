import { describe, expect, it } from 'vitest';
import { bool, hex32, oneOf, s32, SysfsError, text, u32, u64, version, wordList } from '../src/index.js';
import { cpuList, keyValues } from '../src/index.js';

function problem(fn: () => unknown): SysfsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SysfsError) return e;
    throw e;
  }
  throw new Error('expected SysfsError');
}

describe('attribute value formats', () => {
  it('round-trip through format and parse', () => {
    expect(u32.parse(u32.format(4294967295), 'f')).toBe(4294967295);
    expect(s32.parse(s32.format(-1), 'f')).toBe(-1);
    expect(u64.parse(u64.format(2n ** 64n - 1n), 'f')).toBe(2n ** 64n - 1n);
    expect(hex32.format(0x19e5)).toBe('0x19e5\n');
    expect(hex32.parse('0x19e5\n', 'f')).toBe(0x19e5);
    expect(version.parse('1.0\n', 'f')).toEqual({ major: 1, minor: 0 });
    expect(bool.parse('1\n', 'f')).toBe(true);
    expect(wordList(['a', 'b']).parse('\n', 'f')).toEqual([]);
    expect(wordList(['a', 'b']).parse('b a\n', 'f')).toEqual(['b', 'a']);
    expect(oneOf(['ddr', 'hbm']).parse('hbm\n', 'f')).toBe('hbm');
  });

  it.each([
    ['u32 with a sign', () => u32.parse('-1\n', 'x/max_queues')],
    ['u32 out of range', () => u32.parse('4294967296\n', 'x/max_queues')],
    ['u32 with leading zero', () => u32.parse('010\n', 'x/max_queues')],
    ['u32 without newline (truncated)', () => u32.parse('6', 'x/max_queues')],
    ['u32 with trailing garbage', () => u32.parse('6 queues\n', 'x/max_queues')],
    ['s32 word', () => s32.parse('zero\n', 'x/numa_node')],
    ['hex without 0x', () => hex32.parse('19e5\n', 'x/vendor_id')],
    ['version with a third part', () => version.parse('1.0.1\n', 'x/api_version')],
    ['bool 2', () => bool.parse('2\n', 'x/coherent')],
    ['unknown word', () => wordList(['sva']).parse('sva teleport\n', 'x/caps')],
    ['repeated word', () => wordList(['sva']).parse('sva sva\n', 'x/caps')],
    ['control characters', () => text.parse('a\tb\n', 'x/model')],
    ['enum outside the set', () => oneOf(['ddr', 'hbm']).parse('dram\n', 'x/kind')],
    ['cpulist with a letter', () => cpuList.parse('4-x\n', 'x/cpulist')],
    ['cpulist reversed range', () => cpuList.parse('7-4\n', 'x/cpulist')],
    ['kfd properties line', () => keyValues.parse('simd_count lots\n', 'x/properties')],
  ])('reject %s with the file and what was expected', (_what, fn) => {
    const e = problem(fn);
    expect(e.kind).toBe('format');
    expect(e.file).toMatch(/^x\//);
    expect(e.expected.length).toBeGreaterThan(3);
    expect(e.message).toContain(e.file);
  });

  it('parses the kernel cpulist format', () => {
    expect(cpuList.parse('0-3,8,10-11\n', 'f')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(cpuList.parse('\n', 'f')).toEqual([]);
  });
});
