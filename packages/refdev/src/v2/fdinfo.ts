/** fdinfo of a 2.0 file (drm-usage-stats keys of the spec), served through the socket node's FDINFO request. */
import { OPCODE_WORDS } from '../functions.js';
import type { AccelFile } from './accel-file.js';

export function fdinfoText(file: AccelFile): string {
  const lines = ['drm-driver:\topenaccel', `drm-client-id:\t${file.id}`];
  OPCODE_WORDS.forEach((w, op) => {
    if (file.device.config.functions.includes(w)) lines.push(`drm-engine-${w}:\t${Atomics.load(file.engineNs, op)} ns`);
  });
  const totals = new Map<string, number>();
  file.device.memories.forEach((p, i) => totals.set(`${p.config.kind}${i}`, 0));
  for (const o of file.gem.values()) {
    const key = o.pool ? `${o.pool.config.kind}${o.memoryId}` : 'system';
    totals.set(key, (totals.get(key) ?? 0) + o.size);
  }
  for (const [k, bytes] of totals) lines.push(`drm-total-${k}:\t${Math.floor(bytes / 1024)} KiB`);
  lines.push(`openaccel-queues:\t${file.queues.size}`, `openaccel-sva:\t${file.sva && !file.orphaned ? 1 : 0}`);
  return `${lines.join('\n')}\n`;
}
