import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ioc } from '@openaccel/uapi';
import { OA_UACCE, OPENACCEL_UACCE_API } from '../src/native/uacce-openaccel-queue.js';

const header = join(import.meta.dirname, '../../packages/kmod/accel/oa_uacce.h');

/** The #defines of the kernel driver's UACCE binding, as written. */
function defines(): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync(header, 'utf8').split('\n')) {
    const d = /^#define (OA_UACCE_\w+) (.+)$/.exec(line);
    if (d) m.set(d[1]!, d[2]!.trim());
  }
  return m;
}

describe('the openaccel-2.0-uacce user driver and the kernel driver agree (packages/kmod/accel/oa_uacce.h)', () => {
  const h = defines();
  const num = (name: string) => {
    const v = h.get(name);
    if (v === undefined) throw new Error(`${name} is not defined in oa_uacce.h`);
    // Plain decimals or a product of them, as the header writes sizes.
    if (!/^\(?[\d\s*]+\)?$/.test(v)) throw new Error(`${name} = ${v} is not a number this test reads`);
    return v.replace(/[()\s]/g, '').split('*').reduce((a, b) => a * Number(b), 1);
  };

  it('names the same api and the same layout of the regions', () => {
    const { cmdWake: _wake, ...layout } = OA_UACCE;
    expect(JSON.parse(h.get('OA_UACCE_API')!)).toBe(OPENACCEL_UACCE_API);
    expect({
      sqEntries: num('OA_UACCE_SQ_ENTRIES'),
      cqEntries: num('OA_UACCE_CQ_ENTRIES'),
      mmioPages: num('OA_UACCE_MMIO_PAGES'),
      controlPage: num('OA_UACCE_DUS_CONTROL_PAGE'),
      statusPage: num('OA_UACCE_DUS_STATUS_PAGE'),
      sqPage: num('OA_UACCE_DUS_SQ_PAGE'),
      cqPage: num('OA_UACCE_DUS_CQ_PAGE'),
      dataPage: num('OA_UACCE_DUS_DATA_PAGE'),
      dataSize: num('OA_UACCE_DATA_SIZE'),
      handleData: num('OA_UACCE_HANDLE_DATA'),
    }).toEqual(layout);
  });

  it('numbers the wake-up ioctl the same', () => {
    const io = /^_IO\((0x[0-9a-f]+), (0x[0-9a-f]+)\)$/.exec(h.get('OA_UACCE_CMD_WAKE') ?? '');
    expect(io).not.toBeNull();
    expect(ioc('generic', 'none', Number(io![1]), Number(io![2]), 0)).toBe(OA_UACCE.cmdWake);
  });
});
