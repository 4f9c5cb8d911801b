/**
 * The runtime directory of a refdev started in the background (`accelctl refdev start`): where it lives
 * and why it can be trusted. A directory in a shared place such as /tmp is trusted only when this user
 * made it: a real directory (not a symlink), owned by this uid, with no access for anyone else.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export class RuntimeDirError extends Error {
  constructor(
    readonly dir: string,
    readonly reason: string,
  ) {
    super(`runtime directory ${dir} is not safe to use: ${reason}`);
    this.name = 'RuntimeDirError';
  }
}

/** `$OPENACCEL_RUNTIME`, else `$XDG_RUNTIME_DIR/openaccel` (private to the user by systemd), else `/tmp/openaccel-UID`. */
export function defaultRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['OPENACCEL_RUNTIME']) return env['OPENACCEL_RUNTIME'];
  if (env['XDG_RUNTIME_DIR']) return join(env['XDG_RUNTIME_DIR'], 'openaccel');
  return join(tmpdir(), `openaccel-${process.getuid!()}`);
}

/**
 * Makes `dir` mode 0700 if it does not exist (mkdir fails rather than follow anything planted there), then
 * checks it whether new or old. Throws RuntimeDirError naming what is wrong.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new RuntimeDirError(dir, (e as Error).message);
  }
  checkPrivateDir(dir);
}

/** Throws RuntimeDirError unless `dir` is a directory (not a symlink) owned by this uid with mode 0700 or stricter. */
export function checkPrivateDir(dir: string): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch (e) {
    throw new RuntimeDirError(dir, (e as Error).message);
  }
  if (st.isSymbolicLink()) throw new RuntimeDirError(dir, 'it is a symbolic link');
  if (!st.isDirectory()) throw new RuntimeDirError(dir, 'it is not a directory');
  if (st.uid !== process.getuid!()) throw new RuntimeDirError(dir, `it belongs to uid ${st.uid}, not ${process.getuid!()}`);
  if (st.mode & 0o077) throw new RuntimeDirError(dir, `its mode is ${(st.mode & 0o777).toString(8)}; other users must have no access (0700)`);
}
