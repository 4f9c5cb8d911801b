import { describe, expect, it } from 'vitest';
import { chainClaim, deviceClasses, exportNode, validateObject, type ResourceSlice } from '../src/index.js';
import { machines } from './fixtures.js';

const good = (): ResourceSlice => structuredClone(exportNode(machines()[0]!.graph, { node: 'node-a' }).slices[0]!);
const messages = (o: unknown) => validateObject(o).map((p) => `${p.path}: ${p.message}`);

describe('validation as the API server does it', () => {
  it('accepts what the exporter emits', () => {
    expect(validateObject(good())).toEqual([]);
    for (const c of deviceClasses()) expect(validateObject(c)).toEqual([]);
  });

  it('rejects schema violations from the official schema', () => {
    const s = good() as unknown as { spec: { pool: { generation: unknown } } };
    s.spec.pool.generation = 'one';
    expect(messages(s)).toEqual(['/spec/pool/generation: must be integer']);
  });

  it('rejects the rules the schema does not carry', () => {
    const s = good();
    const d = s.spec.devices![0]!;
    d.name = 'BAD_NAME';
    d.attributes!['a/b/c'] = { string: 'x' };
    d.attributes!['has-hyphen'] = { bool: true };
    d.attributes!.two = { string: 'x', bool: true } as never;
    d.attributes!.long = { string: 'x'.repeat(65) };
    d.attributes!.ver = { version: 'v1.2' };
    delete s.spec.nodeName;
    const m = messages(s);
    expect(m).toContain("/spec/devices/0/name: 'BAD_NAME' is not a DNS label");
    expect(m.some((x) => x.includes("'a/b/c' is not a qualified name"))).toBe(true);
    expect(m.some((x) => x.includes("'has-hyphen' is not a qualified name"))).toBe(true);
    expect(m).toContain('/spec/devices/0/attributes/two: exactly one of int, bool, string, version must be set');
    expect(m).toContain('/spec/devices/0/attributes/long/string: longer than 64 characters');
    expect(m).toContain("/spec/devices/0/attributes/ver/version: 'v1.2' is not a semantic version");
    expect(m).toContain('/spec: exactly one of nodeName, nodeSelector, allNodes, perDeviceNodeSelection is required');
  });

  it('rejects a device over the 32 attribute budget and a slice over 128 devices', () => {
    const s = good();
    for (let i = 0; i < 40; i++) s.spec.devices![0]!.attributes![`x${i}`] = { int: i };
    expect(messages(s).some((m) => /attributes and capacities; at most 32/.test(m))).toBe(true);
    const t = good();
    t.spec.devices = Array.from({ length: 129 }, (_, i) => ({ name: `d${i}` }));
    expect(messages(t)).toContain('/spec/devices: 129 devices; at most 128');
  });

  it('rejects claims whose constraints name no request, or name an attribute without its domain', () => {
    const t = chainClaim('deflate', 'aes_gcm_encrypt');
    t.spec.spec.devices!.constraints = [{ requests: ['deflate', 'nope'], matchAttribute: 'linkDomain' }];
    expect(messages(t)).toEqual([
      "/spec/spec/devices/constraints/0/requests: 'nope' names no request or alternative of this claim",
      "/spec/spec/devices/constraints/0/matchAttribute: 'linkDomain' is not a fully qualified name (domain/ID)",
    ]);
  });

  it('rejects a selector that does not compile', () => {
    const c = deviceClasses()[0]!;
    c.spec.selectors = [{ cel: { expression: 'device.driver ==' } }];
    expect(messages(c)[0]).toMatch(/^\/spec\/selectors\/0\/cel\/expression: CEL compile error/);
  });
});
