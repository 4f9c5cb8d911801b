/** Reading a sysfs tree under a root, one attribute at a time, with every failure as a typed problem. */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SysfsError } from './errors.js';
import type { ValueFormat } from './value.js';

/** Attributes are small; a file larger than this is malformed (a sysfs read returns at most a page). */
export const MAX_ATTRIBUTE_BYTES = 4096;

export class SysfsTree {
  /** Every problem met while reading, in order. Discovery goes on past them. */
  readonly problems: SysfsError[] = [];

  constructor(readonly root: string = '/sys') {}

  path(rel: string): string {
    return join(this.root, rel);
  }

  exists(rel: string): boolean {
    try {
      statSync(this.path(rel));
      return true;
    } catch {
      return false;
    }
  }

  /** Entry names of a directory, sorted naturally (node2 before node10); [] when absent. */
  list(rel: string, pattern?: RegExp): string[] {
    let names: string[];
    try {
      names = readdirSync(this.path(rel));
    } catch {
      return [];
    }
    return names.filter((n) => !pattern || pattern.test(n)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }

  /** Raw content, or undefined when absent; unreadable or oversized files are recorded as problems. */
  raw(rel: string, expected: string): string | undefined {
    let buf: Buffer;
    try {
      buf = readFileSync(this.path(rel));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      this.problems.push(new SysfsError('unreadable', rel, expected, code));
      return undefined;
    }
    if (buf.length > MAX_ATTRIBUTE_BYTES) {
      this.problems.push(new SysfsError('format', rel, `${expected} (at most ${MAX_ATTRIBUTE_BYTES} bytes)`, `${buf.length} bytes`));
      return undefined;
    }
    const s = buf.toString('utf8');
    if (s.includes('\ufffd') || s.includes('\0')) {
      this.problems.push(new SysfsError('format', rel, `${expected} (UTF-8 text)`, s.slice(0, 40)));
      return undefined;
    }
    return s;
  }

  /** A parsed attribute; undefined (with a problem recorded) when absent-and-required, unreadable or malformed. */
  read<T>(rel: string, format: ValueFormat<T>, required: boolean): T | undefined {
    const s = this.raw(rel, format.describe);
    if (s === undefined) {
      if (required && !this.problems.some((p) => p.file === rel)) this.problems.push(new SysfsError('missing', rel, format.describe));
      return undefined;
    }
    try {
      return format.parse(s, rel);
    } catch (e) {
      if (e instanceof SysfsError) {
        this.problems.push(e);
        return undefined;
      }
      throw e;
    }
  }

  /** The last path component a symlink resolves to (e.g. the PCI address behind `device`). */
  linkTarget(rel: string): string | undefined {
    try {
      return basename(realpathSync(this.path(rel)));
    } catch {
      return undefined;
    }
  }
}
