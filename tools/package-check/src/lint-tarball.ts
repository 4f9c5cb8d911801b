import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import type { Packed } from './pack.js';
import type { Problem } from './problem.js';
import { CommandError, packageBin, run } from './run.js';

/**
 * attw rules left out, each with its reason:
 * - cjs-resolves-to-esm: the packages are ES modules only, and Node >= 20.19 (the engines range) require()s
 *   an ES module; the require check in this workspace proves it for every package.
 */
const ATTW_IGNORED_KINDS = new Set(['CJSResolvesToESM']);

// Read whole into memory for publint; the largest package here is well under a megabyte.
const MAX_TARBALL_BYTES = 64 << 20;

/** publint on the tarball: every message (error, warning and suggestion) is a problem. */
export async function publintTarball(packed: Packed): Promise<Problem[]> {
  const size = statSync(packed.tarball).size;
  if (size > MAX_TARBALL_BYTES) {
    return [{ pkg: packed.workspace.manifest.name, check: 'publint', message: `tarball of ${size} bytes, over ${MAX_TARBALL_BYTES}` }];
  }
  const data = readFileSync(packed.tarball);
  const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  const { messages, pkg } = await publint({ pack: { tarball }, level: 'suggestion', strict: true });
  return messages.map((m) => ({
    pkg: packed.workspace.manifest.name,
    check: 'publint',
    message: `${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`,
  }));
}

interface AttwJson {
  problems?: Record<string, { kind: string; entrypoint?: string; resolutionKind?: string }[]>;
}

/** Entry points that are data, not modules (a C header): attw resolves modules and cannot resolve those. */
function nonModuleEntrypoints(exportsField: unknown): string[] {
  if (typeof exportsField !== 'object' || exportsField === null) return [];
  return Object.entries(exportsField as Record<string, unknown>)
    .filter(([k, v]) => k.startsWith('.') && typeof v === 'string' && !/\.([cm]?js|json|d\.[cm]?ts)$/.test(v))
    .map(([k]) => k);
}

/** are-the-types-wrong (the CLI) on the tarball, every resolution mode. */
export function attwTarball(packed: Packed): Problem[] {
  const skip = nonModuleEntrypoints(packed.workspace.manifest.exports);
  const args = [packageBin('@arethetypeswrong/cli', 'attw'), packed.tarball, '--format', 'json', '--profile', 'strict'];
  if (skip.length > 0) args.push('--exclude-entrypoints', ...skip);
  const r = run(process.execPath, args, dirname(packed.tarball));
  let json: AttwJson;
  try {
    json = JSON.parse(r.stdout) as AttwJson;
  } catch {
    throw new CommandError(`attw ${packed.tarball}`, r.status, r.stderr || r.stdout);
  }
  const out: Problem[] = [];
  for (const list of Object.values(json.problems ?? {})) {
    for (const p of list) {
      if (ATTW_IGNORED_KINDS.has(p.kind)) continue;
      const where = [p.entrypoint, p.resolutionKind].filter(Boolean).join(' ');
      out.push({ pkg: packed.workspace.manifest.name, check: 'attw', message: `${p.kind}${where ? ` (${where})` : ''}` });
    }
  }
  return out;
}
