/**
 * Which sysfs tree describes a device node, and whether a given tree does. A run against the wrong tree
 * would report a conformant device as failing, so every doubt here is a "could not run" with a hint.
 */
import { accessSync, constants, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CLASS_DIR } from '@openaccel/sysfs';

/** The run cannot happen as asked: exit 2, with what to do about it. */
export class CannotRunError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'CannotRunError';
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Checks that `root` is a directory holding `<classDir>/<name>` (class/openaccel, or class/accel for 2.0); `how` says where the root came from. */
export function checkSysfsRootFor(root: string, name: string, how: string, classDir: string = CLASS_DIR): void {
  const st = statOrUndefined(root);
  if (!st) throw new CannotRunError(`sysfs root ${root} (${how}) does not exist`, 'give the sysfs root of the device with --sysfs-root DIR');
  if (!st.isDirectory()) throw new CannotRunError(`sysfs root ${root} (${how}) is not a directory`, `give the directory that holds ${classDir}/, e.g. /sys`);
  if (!statOrUndefined(join(root, classDir, name))?.isDirectory()) {
    throw new CannotRunError(`${join(root, classDir, name)} does not exist (${how})`, `the sysfs root must hold ${classDir}/${name}, the device the node is named after`);
  }
}

/**
 * The sysfs root for a device node: a refdev socket node DIR/dev/openaccel/accelN (2.0: DIR/dev/accel/accelN)
 * is described by DIR/sys; a character device by the class device /sys/dev/char/MAJ:MIN resolves to.
 * `sysRoot` is the system's sysfs; `classDir` the class the node belongs to (class/accel for 2.0).
 */
export function sysfsRootForNode(node: string, sysRoot = '/sys', classDir: string = CLASS_DIR): string {
  const st = statOrUndefined(node);
  if (!st) throw new CannotRunError(`cannot check ${node}: no such device node`, 'give the device node, e.g. --device /dev/openaccel/accel0, or no --device to start a refdev');
  const name = basename(node);
  if (st.isSocket()) {
    const root = join(dirname(dirname(dirname(resolve(node)))), 'sys');
    if (!statOrUndefined(join(root, classDir, name))?.isDirectory()) {
      throw new CannotRunError(`cannot find the sysfs tree of ${node}: no ${join(root, classDir, name)}`, 'a refdev node DIR/dev/openaccel/accelN or DIR/dev/accel/accelN has its tree in DIR/sys; give it with --sysfs-root DIR');
    }
    return root;
  }
  if (st.isCharacterDevice()) {
    // glibc's major()/minor() split of dev_t; rdev may exceed 32 bits, so no shifts on the whole of it.
    const major = (Math.floor(st.rdev / 0x100) & 0xfff) | (Math.floor(st.rdev / 0x100000000) & ~0xfff);
    const minor = (st.rdev & 0xff) | (Math.floor(st.rdev / 0x1000) & ~0xff);
    const id = `${major}:${minor >>> 0}`;
    const byId = join(sysRoot, 'dev/char', id);
    const target = realpathOrUndefined(byId);
    const inClass = realpathOrUndefined(join(sysRoot, classDir, name));
    if (!target) throw new CannotRunError(`cannot find the sysfs entry of ${node}: no ${byId}`, 'is sysfs mounted? give the sysfs root with --sysfs-root DIR');
    if (target !== inClass) {
      throw new CannotRunError(`${node} is character device ${id} (${target}), not ${join(sysRoot, classDir, name)}`, 'give an openaccel device node (/dev/accel/accelN, or /dev/openaccel/accelN with --spec 1.0), or its sysfs root with --sysfs-root DIR');
    }
    return sysRoot;
  }
  throw new CannotRunError(`${node} is neither a character device nor a refdev socket`, 'give the device node, e.g. --device /dev/openaccel/accel0');
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** A report file can be written: its directory exists and is writable, and it is not itself a directory. */
export function checkWritableFile(file: string, option: string): void {
  const dir = dirname(resolve(file));
  const st = statOrUndefined(dir);
  if (!st?.isDirectory()) throw new CannotRunError(`${option} ${file}: directory ${dir} does not exist`, 'create the directory first, or write the report elsewhere');
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new CannotRunError(`${option} ${file}: directory ${dir} is not writable`, 'write the report to a directory you can write');
  }
  if (statOrUndefined(file)?.isDirectory()) throw new CannotRunError(`${option} ${file} is a directory`, 'give a file name, e.g. results.xml');
}
