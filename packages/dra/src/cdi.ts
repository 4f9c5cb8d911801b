/**
 * CDI (Container Device Interface) spec files for prepared claims: one file per claim, written atomically
 * (temporary file, fsync, rename, fsync of the directory), so the runtime never reads half a spec and a
 * restarted plugin finds exactly the claims it had prepared.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FileTooLargeError, readFileBounded } from './bounded-read.js';
import { DRIVER } from './names.js';

export const CDI_VERSION = '0.6.0';
export const CDI_KIND = `${DRIVER}/accel`;
/** A spec file larger than this is not ours: it is refused, not read. */
export const MAX_CDI_FILE = 256 * 1024;
const PREFIX = `${DRIVER}-`;

/** What a prepared device was: the claim's request, the pool device, the CDI device ID the runtime resolves. */
export interface PreparedDevice {
  requestNames: string[];
  poolName: string;
  deviceName: string;
  cdiDeviceIds: string[];
}

export interface CdiDevice {
  name: string;
  containerEdits: {
    deviceNodes?: { path: string }[];
    mounts?: { hostPath: string; containerPath: string; options: string[] }[];
    env?: string[];
  };
}

export interface CdiSpec {
  cdiVersion: string;
  kind: string;
  annotations: Record<string, string>;
  devices: CdiDevice[];
}

export class CdiError extends Error {
  constructor(
    readonly file: string,
    readonly why: string,
  ) {
    super(`CDI spec ${file}: ${why}`);
    this.name = 'CdiError';
  }
}

/** Claim UIDs become file names: only what a Kubernetes UID can hold, so no path can be smuggled in. */
export const CLAIM_UID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

const ANNOTATION = `${DRIVER}/prepared`;

export function specFile(dir: string, claimUid: string): string {
  if (!CLAIM_UID.test(claimUid)) throw new CdiError(claimUid, 'claim UID must be letters, digits and hyphens (at most 64)');
  return join(dir, `${PREFIX}${claimUid}.json`);
}

export function cdiDeviceName(claimUid: string, device: string): string {
  return `${claimUid}-${device}`;
}

export function buildSpec(claimUid: string, devices: readonly { prepared: PreparedDevice; edits: CdiDevice['containerEdits'] }[]): CdiSpec {
  return {
    cdiVersion: CDI_VERSION,
    kind: CDI_KIND,
    annotations: { [ANNOTATION]: JSON.stringify(devices.map((d) => d.prepared)), [`${DRIVER}/claim-uid`]: claimUid },
    devices: devices.map((d) => ({ name: cdiDeviceName(claimUid, d.prepared.deviceName), containerEdits: d.edits })),
  };
}

/** Writes the spec so that readers see the old file or the whole new one, never part of it. */
export function writeSpecAtomically(dir: string, claimUid: string, spec: CdiSpec): string {
  const file = specFile(dir, claimUid);
  const tmp = join(dir, `.${PREFIX}${claimUid}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    const bytes = Buffer.from(JSON.stringify(spec, null, 2) + '\n');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
  return file;
}

/** The devices a spec file records, or undefined when there is no file for the claim. */
export function readPrepared(dir: string, claimUid: string): PreparedDevice[] | undefined {
  const file = specFile(dir, claimUid);
  let text: string;
  try {
    text = readFileBounded(file, MAX_CDI_FILE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (e instanceof FileTooLargeError) throw new CdiError(file, e.message);
    throw e;
  }
  try {
    const spec = JSON.parse(text) as CdiSpec;
    return JSON.parse(spec.annotations[ANNOTATION] ?? '') as PreparedDevice[];
  } catch {
    throw new CdiError(file, 'is not a spec this plugin wrote');
  }
}

export function removeSpec(dir: string, claimUid: string): boolean {
  const file = specFile(dir, claimUid);
  try {
    rmSync(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** Claim UIDs with a spec file: what survives a plugin restart. Leftover temporary files are removed. */
export function preparedClaims(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith(`.${PREFIX}`) && name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
    else if (name.startsWith(PREFIX) && name.endsWith('.json')) out.push(name.slice(PREFIX.length, -'.json'.length));
  }
  return out.sort();
}
