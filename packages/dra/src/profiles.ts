/** Which conformance profiles a device passed, from `accelctl conformance run --format json` reports. */
import { readFileBounded } from './bounded-read.js';

export const MAX_REPORT_BYTES = 8 * 1024 * 1024;

export class ConformanceReportError extends Error {
  constructor(
    readonly file: string,
    readonly why: string,
  ) {
    super(`conformance report ${file}: ${why}`);
    this.name = 'ConformanceReportError';
  }
}

interface Report {
  schema?: unknown;
  device?: { name?: unknown };
  profiles?: { profile?: unknown; verdict?: unknown }[];
}

/** Graph id of the openaccel device (`openaccel:accel0`) -> profiles whose verdict is conformant. */
export function profilesFromReports(files: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of files) {
    let r: Report;
    try {
      r = JSON.parse(readFileBounded(file, MAX_REPORT_BYTES)) as Report;
    } catch (e) {
      throw new ConformanceReportError(file, (e as Error).message);
    }
    if (r?.schema !== 'openaccel-conformance/1') throw new ConformanceReportError(file, `schema is ${JSON.stringify(r?.schema)}, not "openaccel-conformance/1"`);
    const name = r.device?.name;
    if (typeof name !== 'string' || !/^accel\d+$/.test(name)) throw new ConformanceReportError(file, 'device.name is not an openaccel device name (accelN)');
    if (!Array.isArray(r.profiles)) throw new ConformanceReportError(file, 'profiles is not a list');
    const passed = r.profiles.filter((p) => p.verdict === 'conformant' && typeof p.profile === 'string').map((p) => p.profile as string);
    const id = `openaccel:${name}`;
    out.set(id, [...new Set([...(out.get(id) ?? []), ...passed])].sort());
  }
  return out;
}
