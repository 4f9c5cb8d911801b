/**
 * Value formats of sysfs attributes: how a value is written (the kernel's sysfs_emit format) and how a
 * file's content is parsed back. Parsing is strict: one value, one trailing newline, nothing else.
 */
import { SysfsError } from './errors.js';

export interface ValueFormat<T> {
  /** The printf format and a few words, for error messages and the reference. */
  readonly describe: string;
  format(value: T): string;
  /** Parses a file's content; throws SysfsError('format') naming `file`. */
  parse(content: string, file: string): T;
}

const MAX_FOUND = 60;

function body(content: string, file: string, describe: string): string {
  if (!content.endsWith('\n')) throw new SysfsError('format', file, `${describe} ending in a newline`, content.slice(0, MAX_FOUND));
  return content.slice(0, -1);
}

function integer(describe: string, re: RegExp, min: bigint, max: bigint, radix: 10 | 16): ValueFormat<bigint> {
  return {
    describe,
    format: (v) => (radix === 16 ? `0x${v.toString(16)}\n` : `${v}\n`),
    parse(content, file) {
      const s = body(content, file, describe);
      if (!re.test(s)) throw new SysfsError('format', file, describe, s.slice(0, MAX_FOUND));
      const v = BigInt(s);
      if (v < min || v > max) throw new SysfsError('format', file, `${describe} in ${min}..${max}`, s.slice(0, MAX_FOUND));
      return v;
    },
  };
}

function narrow(f: ValueFormat<bigint>): ValueFormat<number> {
  return { describe: f.describe, format: (v) => f.format(BigInt(v)), parse: (c, file) => Number(f.parse(c, file)) };
}

export const u32 = narrow(integer('unsigned decimal (%u)', /^(0|[1-9][0-9]{0,9})$/, 0n, 0xffffffffn, 10));
export const s32 = narrow(integer('signed decimal (%d)', /^(0|-?[1-9][0-9]{0,9})$/, -0x80000000n, 0x7fffffffn, 10));
export const u64 = integer('unsigned decimal (%llu)', /^(0|[1-9][0-9]{0,19})$/, 0n, 0xffffffffffffffffn, 10);
export const hex32 = narrow(integer('hexadecimal (%#x)', /^0x[0-9a-f]{1,8}$/, 0n, 0xffffffffn, 16));

export const bool: ValueFormat<boolean> = {
  describe: '0 or 1',
  format: (v) => (v ? '1\n' : '0\n'),
  parse(content, file) {
    const s = body(content, file, '0 or 1');
    if (s !== '0' && s !== '1') throw new SysfsError('format', file, '0 or 1', s.slice(0, MAX_FOUND));
    return s === '1';
  },
};

/** `major.minor`, e.g. `1.0`. */
export const version: ValueFormat<{ major: number; minor: number }> = {
  describe: 'version major.minor (%u.%u)',
  format: (v) => `${v.major}.${v.minor}\n`,
  parse(content, file) {
    const s = body(content, file, 'version major.minor (%u.%u)');
    const m = /^(0|[1-9][0-9]{0,4})\.(0|[1-9][0-9]{0,4})$/.exec(s);
    if (!m) throw new SysfsError('format', file, 'version major.minor (%u.%u)', s.slice(0, MAX_FOUND));
    return { major: Number(m[1]), minor: Number(m[2]) };
  },
};

/** A printable string without newlines (names). */
export const text: ValueFormat<string> = {
  describe: 'printable ASCII, one line',
  format: (v) => `${v}\n`,
  parse(content, file) {
    const s = body(content, file, 'printable ASCII, one line');
    if (!/^[\x20-\x7e]{1,255}$/.test(s)) throw new SysfsError('format', file, 'printable ASCII, one line', s.slice(0, MAX_FOUND));
    return s;
  },
};

/** One word out of a fixed set. */
export function oneOf<const T extends string>(words: readonly T[]): ValueFormat<T> {
  const describe = `one of ${words.join(', ')}`;
  return {
    describe,
    format: (v) => `${v}\n`,
    parse(content, file) {
      const s = body(content, file, describe);
      if (!(words as readonly string[]).includes(s)) throw new SysfsError('format', file, describe, s.slice(0, MAX_FOUND));
      return s as T;
    },
  };
}

/** Space-separated words from a set (possibly empty), e.g. `sva dmabuf_import`; `words` undefined = any name. */
export function wordList(words?: readonly string[]): ValueFormat<string[]> {
  const describe = words ? `space-separated words from: ${words.join(' ')}` : 'space-separated names';
  return {
    describe,
    format: (v) => `${v.join(' ')}\n`,
    parse(content, file) {
      const s = body(content, file, describe);
      if (s === '') return [];
      const list = s.split(' ');
      for (const w of list) {
        const ok = words ? words.includes(w) : /^[A-Za-z0-9_.:-]{1,64}$/.test(w);
        if (!ok) throw new SysfsError('format', file, describe, s.slice(0, MAX_FOUND));
      }
      if (new Set(list).size !== list.length) throw new SysfsError('format', file, `${describe}, each once`, s.slice(0, MAX_FOUND));
      return list;
    },
  };
}
