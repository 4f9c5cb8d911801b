/** Reading a sysfs tree under a root, one attribute at a time, with every failure as a typed problem. */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, join } from 'node:path';
import { SysfsError } from './errors.js';
import type { ValueFormat } from './value.js';

/** Attributes are small; a file larger than this is malformed (a sysfs read returns at most a page). */
export const MAX_ATTRIBUTE_BYTES = 4096;

/** Why a file was not read: it is not a regular file (a FIFO, a device, a directory), or it is larger than allowed. */
export class FileRefusedError extends Error {
  constructor(
    readonly file: string,
    readonly reason: 'not-regular-file' | 'too-large',
    /** The file type found, or the limit exceeded. */
    readonly detail: string,
  ) {
    super(reason === 'not-regular-file' ? `${file}: not a regular file (${detail})` : `${file}: larger than ${detail}`);
    this.name = 'FileRefusedError';
  }
}

function fileType(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/**
 * Reads at most `maxBytes` of a regular file; anything else is refused before it can block or grow.
 * The type is checked before opening (opening a device can have effects) and again on the open fd (the
 * path may have been swapped); O_NONBLOCK keeps a FIFO from blocking the open itself. Reading one byte
 * past the limit tells "exactly the limit" from "more". OS errors (ENOENT, EACCES) are thrown as they are.
 */
export function readBoundedFile(path: string, maxBytes: number): Buffer {
  const before = statSync(path);
  if (!before.isFile()) throw new FileRefusedError(path, 'not-regular-file', fileType(before));
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileRefusedError(path, 'not-regular-file', fileType(st));
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > maxBytes) throw new FileRefusedError(path, 'too-large', `${maxBytes} bytes`);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export class SysfsTree {
  /** Every problem met while reading, in order. Discovery goes on past them. */
  readonly problems: SysfsError[] = [];

  constructor(readonly root: string = '/sys') {}

  path(rel: string): string {
    return join(this.root, rel);
  }

  /** A directory (following symlinks, as the class directories of a real /sys are). */
  isDirectory(rel: string): boolean {
    try {
      return statSync(this.path(rel)).isDirectory();
    } catch {
      return false;
    }
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
      buf = readBoundedFile(this.path(rel), MAX_ATTRIBUTE_BYTES);
    } catch (e) {
      if (e instanceof FileRefusedError) {
        if (e.reason === 'too-large') this.problems.push(new SysfsError('format', rel, `${expected} (at most ${MAX_ATTRIBUTE_BYTES} bytes)`, `more than ${MAX_ATTRIBUTE_BYTES} bytes`));
        else this.problems.push(new SysfsError('unreadable', rel, expected, e.detail));
        return undefined;
      }
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      this.problems.push(new SysfsError('unreadable', rel, expected, code));
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

  /**
   * The last component of what a symlink names (`accel1` for `../../../../accel1`), without following it:
   * a peer link is a name, and its target need not exist under this root. Undefined when absent; a file
   * that is not a symlink, a target that does not match `expected`, or a required link that is absent is
   * recorded as a problem.
   */
  symlinkName(rel: string, expected: RegExp, describe: string, required: boolean): string | undefined {
    let target: string;
    try {
      if (!lstatSync(this.path(rel)).isSymbolicLink()) {
        this.problems.push(new SysfsError('format', rel, `a symlink to ${describe}`, 'not a symlink'));
        return undefined;
      }
      target = readlinkSync(this.path(rel));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.problems.push(new SysfsError('unreadable', rel, `a symlink to ${describe}`, code));
      else if (required) this.problems.push(new SysfsError('missing', rel, `a symlink to ${describe}`));
      return undefined;
    }
    const name = basename(target);
    if (expected.test(name)) return name;
    this.problems.push(new SysfsError('format', rel, `a symlink to ${describe}`, target.slice(0, 80)));
    return undefined;
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
