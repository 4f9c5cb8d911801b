import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConformanceReportError, exportNode, profileAttr, profilesFromReports } from '../src/index.js';
import { machines } from './fixtures.js';

const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});
function file(text: string): string {
  const d = mkdtempSync(join(tmpdir(), 'openaccel-dra-profiles-'));
  temps.push(d);
  writeFileSync(join(d, 'report.json'), text);
  return join(d, 'report.json');
}

describe('profiles that passed conformance', () => {
  it('become profile_<name> attributes of that device only', () => {
    const report = file(JSON.stringify({ schema: 'openaccel-conformance/1', device: { name: 'accel0' }, profiles: [{ profile: 'core', verdict: 'conformant' }, { profile: 'dmabuf', verdict: 'not-conformant' }] }));
    const profiles = profilesFromReports([report]);
    expect([...profiles]).toEqual([['openaccel:accel0', ['core']]]);
    const devices = exportNode(machines()[0]!.graph, { node: 'n', profiles }).slices[0]!.spec.devices!;
    expect(devices.find((d) => d.name === 'openaccel-accel0')!.attributes![profileAttr('core')]).toEqual({ bool: true });
    expect(devices.find((d) => d.name === 'openaccel-accel1')!.attributes![profileAttr('core')]).toBeUndefined();
    expect(Object.keys(devices.find((d) => d.name === 'openaccel-accel0')!.attributes!).filter((k) => k.startsWith('profile_'))).toEqual(['profile_core']);
  });

  it('refuses a file that is not a conformance report', () => {
    expect(() => profilesFromReports([file('{"schema":"other"}')])).toThrow(ConformanceReportError);
    expect(() => profilesFromReports([file(JSON.stringify({ schema: 'openaccel-conformance/1', device: { name: '../x' }, profiles: [] }))])).toThrow(/not an openaccel device name/);
    expect(() => profilesFromReports([file('not json')])).toThrow(ConformanceReportError);
  });
});
