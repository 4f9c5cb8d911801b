/** Formats of attributes the Linux kernel already publishes (NUMA, PCI, uacce, kfd). */
import { SysfsError } from '../errors.js';
import type { ValueFormat } from '../value.js';

function line(content: string, file: string, describe: string): string {
  if (!content.endsWith('\n')) throw new SysfsError('format', file, `${describe} ending in a newline`, content.slice(0, 60));
  return content.slice(0, -1);
}

/** A cpulist such as `0-3,8-11` (drivers/base/node.c, `%*pbl`); empty = no CPUs. */
export const cpuList: ValueFormat<number[]> = {
  describe: 'CPU list such as 0-3,8-11',
  format: (cpus) => `${cpus.join(',')}\n`,
  parse(content, file) {
    const s = line(content, file, 'CPU list such as 0-3,8-11');
    if (s === '') return [];
    const out: number[] = [];
    for (const part of s.split(',')) {
      const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
      if (!m) throw new SysfsError('format', file, 'CPU list such as 0-3,8-11', s.slice(0, 60));
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : Number(m[2]);
      if (hi < lo || hi - lo > 65536) throw new SysfsError('format', file, 'CPU ranges low-high with low <= high', part);
      for (let c = lo; c <= hi; c++) out.push(c);
    }
    return out;
  },
};

/** A node's `distance`: space-separated SLIT distances to every online node, in node order. */
export const distanceList: ValueFormat<number[]> = {
  describe: 'space-separated decimal distances (10 = local)',
  format: (d) => `${d.join(' ')}\n`,
  parse(content, file) {
    const s = line(content, file, 'space-separated decimal distances (10 = local)');
    const parts = s.split(' ');
    if (parts.some((p) => !/^\d{1,3}$/.test(p))) throw new SysfsError('format', file, 'space-separated decimal distances (10 = local)', s.slice(0, 60));
    return parts.map(Number);
  },
};

/** `Node 0 MemTotal:       32768 kB` out of a node's meminfo: bytes. */
export const nodeMemTotal: ValueFormat<bigint> = {
  describe: "meminfo with a 'Node N MemTotal: K kB' line",
  format: (b) => `Node 0 MemTotal:       ${b / 1024n} kB\n`,
  parse(content, file) {
    const m = /^Node \d+ MemTotal:\s+(\d{1,20}) kB$/m.exec(content);
    if (!m) throw new SysfsError('format', file, "meminfo with a 'Node N MemTotal: K kB' line", content.slice(0, 60));
    return BigInt(m[1]!) * 1024n;
  },
};

/** A PCI id file: `0x8086`. */
export const pciId: ValueFormat<number> = {
  describe: 'hexadecimal id such as 0x8086',
  format: (v) => `0x${v.toString(16).padStart(4, '0')}\n`,
  parse(content, file) {
    const s = line(content, file, 'hexadecimal id such as 0x8086');
    if (!/^0x[0-9a-fA-F]{1,8}$/.test(s)) throw new SysfsError('format', file, 'hexadecimal id such as 0x8086', s.slice(0, 60));
    return Number.parseInt(s.slice(2), 16);
  },
};

/** An arbitrary one-line string (uacce `api`). */
export const anyLine: ValueFormat<string> = {
  describe: 'one line of text',
  format: (v) => `${v}\n`,
  parse: (content, file) => {
    const s = line(content, file, 'one line of text');
    if (s.includes('\n')) throw new SysfsError('format', file, 'one line of text', s.slice(0, 60));
    return s;
  },
};

/** Text of several lines (uacce `algorithms`, "separated by new line"): the non-empty lines. */
export const lines: ValueFormat<string[]> = {
  describe: 'names, one per line',
  format: (v) => `${v.join('\n')}\n`,
  parse: (content) => content.split('\n').map((x) => x.trim()).filter(Boolean),
};

/** kfd `properties`: lines of `name value` (decimal, u64). */
export const keyValues: ValueFormat<Map<string, bigint>> = {
  describe: "lines of 'name value' (decimal)",
  format: (m) => [...m].map(([k, v]) => `${k} ${v}\n`).join(''),
  parse(content, file) {
    const out = new Map<string, bigint>();
    for (const l of content.split('\n')) {
      if (l === '') continue;
      const m = /^([a-z0-9_]{1,64}) (\d{1,20})$/.exec(l);
      if (!m) throw new SysfsError('format', file, "lines of 'name value' (decimal)", l.slice(0, 60));
      out.set(m[1]!, BigInt(m[2]!));
    }
    return out;
  },
};
