/** Reading a whole file only after checking it is a regular file of bounded size (hostile files are refused, not read). */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export class FileTooLargeError extends Error {
  constructor(
    readonly file: string,
    readonly max: number,
  ) {
    super(`${file} is not a regular file of at most ${max} bytes`);
    this.name = 'FileTooLargeError';
  }
}

/** The file's text; open errors (ENOENT, EACCES) are thrown as they come. */
export function readFileBounded(file: string, max: number): string {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) throw new FileTooLargeError(file, max);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
