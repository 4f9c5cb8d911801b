/** Checks the schema cannot express: references, uniqueness, powers of two, and profile claims against the declared features. */
import type { DeviceDecl, Manifest } from './manifest.js';
import { pointerOf, type ManifestProblem } from './problem.js';
import { profileClosure } from './profiles.js';

const isPow2 = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

function uniqueIds(list: readonly { id: string }[], path: string, out: ManifestProblem[]): void {
  const seen = new Map<string, number>();
  list.forEach((x, i) => {
    const first = seen.get(x.id);
    if (first !== undefined) out.push({ pointer: pointerOf([path, i, 'id']), rule: 'ids-unique', message: `id "${x.id}" is already used by /${path}/${first}` });
    else seen.set(x.id, i);
  });
}

/** Does the device share a memory with, or have a p2p link to, another device? */
export function chainPeers(m: Manifest, device: string): string[] {
  const peers = new Set<string>();
  for (const mem of m.memories ?? []) if (mem.devices.includes(device)) for (const d of mem.devices) if (d !== device) peers.add(d);
  for (const l of m.links ?? []) if (l.p2p && l.from === device) peers.add(l.to);
  return [...peers];
}

function checkProfiles(m: Manifest, d: DeviceDecl, i: number, out: ManifestProblem[]): void {
  for (const claimed of d.profiles) {
    for (const p of profileClosure(claimed)) {
      const via = p.name === claimed ? '' : ` (included by '${claimed}')`;
      const miss = (what: string) =>
        out.push({ pointer: pointerOf(['devices', i, 'profiles']), rule: 'profile-claims', message: `claims profile '${claimed}' but profile '${p.name}'${via} requires ${what}` });
      const r = p.requires;
      for (const f of r.functions ?? []) if (!d.functions.some((x) => x.name === f)) miss(`function '${f}'`);
      if (r.sva && !d.sva) miss('sva: true');
      if (r.dmabufImport && !d.dmabufImport) miss('dmabufImport: true');
      if (r.dmabufExport && !d.dmabufExport) miss('dmabufExport: true');
      if (r.eventfd && !d.eventfd) miss('eventfd: true');
      if (r.chainPeer && chainPeers(m, d.id).length === 0) miss('a memory shared with, or a p2p link to, another device');
    }
  }
}

export function semanticProblems(m: Manifest): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  const memories = m.memories ?? [];
  const links = m.links ?? [];
  uniqueIds(m.devices, 'devices', out);
  uniqueIds(memories, 'memories', out);
  uniqueIds(links, 'links', out);
  const ids = new Set(m.devices.map((d) => d.id));
  m.devices.forEach((d, i) => {
    const names = d.functions.map((f) => f.name);
    names.forEach((n, j) => {
      if (names.indexOf(n) !== j) out.push({ pointer: pointerOf(['devices', i, 'functions', j, 'name']), rule: 'functions-unique', message: `function '${n}' is declared twice` });
    });
    const q = d.queues;
    if (!isPow2(q.maxSqEntries)) out.push({ pointer: pointerOf(['devices', i, 'queues', 'maxSqEntries']), rule: 'queue-limits', message: `found ${q.maxSqEntries}; must be a power of two` });
    if (!isPow2(q.maxCqEntries)) out.push({ pointer: pointerOf(['devices', i, 'queues', 'maxCqEntries']), rule: 'queue-limits', message: `found ${q.maxCqEntries}; must be a power of two` });
    else if (q.maxCqEntries < q.maxSqEntries) out.push({ pointer: pointerOf(['devices', i, 'queues', 'maxCqEntries']), rule: 'queue-limits', message: `found ${q.maxCqEntries}; must be at least maxSqEntries (${q.maxSqEntries}) so a full SQ always has room to complete` });
    checkProfiles(m, d, i, out);
  });
  memories.forEach((mem, i) => {
    mem.devices.forEach((d, j) => {
      if (!ids.has(d)) out.push({ pointer: pointerOf(['memories', i, 'devices', j]), rule: 'references', message: `no device has id "${d}"; devices are ${[...ids].join(', ')}` });
    });
  });
  links.forEach((l, i) => {
    for (const end of ['from', 'to'] as const) {
      if (!ids.has(l[end])) out.push({ pointer: pointerOf(['links', i, end]), rule: 'references', message: `no device has id "${l[end]}"; devices are ${[...ids].join(', ')}` });
    }
    if (l.from === l.to) out.push({ pointer: pointerOf(['links', i, 'to']), rule: 'references', message: 'a link joins two different devices' });
  });
  const lim = m.limits;
  if (lim?.doorbellP50Ns !== undefined && lim.doorbellP99Ns !== undefined && lim.doorbellP50Ns > lim.doorbellP99Ns) {
    out.push({ pointer: '/limits/doorbellP99Ns', rule: 'limits', message: `p99 (${lim.doorbellP99Ns} ns) cannot be below p50 (${lim.doorbellP50Ns} ns)` });
  }
  return out;
}
