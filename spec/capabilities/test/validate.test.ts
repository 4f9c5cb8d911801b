import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsNs from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { PROFILES, profileClosure, validateManifest, validateManifestText, type Manifest } from '../src/index.js';

const addFormats = addFormatsNs.default;
const examplesDir = join(import.meta.dirname, '..', 'examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.json'));
const load = (f: string) => JSON.parse(readFileSync(join(examplesDir, f), 'utf8')) as Manifest;
const problems = (v: unknown) => {
  const r = validateManifest(v);
  return r.ok ? [] : r.problems.map((p) => `${p.pointer}: ${p.message}`);
};

describe('example manifests', () => {
  it('there are at least four, covering the device kinds the spec names', () => {
    expect(examples.sort()).toEqual(['compression-crypto-asic.json', 'dmabuf-only-dma-engine.json', 'fpga-chain.json', 'npu-hbm.json']);
  });

  it.each(examples)('%s validates', (f) => {
    expect(problems(load(f))).toEqual([]);
  });

  it('the FPGA example has two devices sharing HBM and a p2p link, and claims chain', () => {
    const m = load('fpga-chain.json');
    expect(m.memories![0]!.devices).toEqual(['deflate', 'aesgcm']);
    expect(m.devices.every((d) => d.profiles.includes('chain'))).toBe(true);
  });

  it('the dma-buf-only example has no SVA', () => {
    const d = load('dmabuf-only-dma-engine.json').devices[0]!;
    expect([d.sva, d.dmabufImport, d.dmabufExport]).toEqual([false, true, true]);
  });
});

describe('schema errors say where, what was found and what is allowed', () => {
  const base = () => load('fpga-chain.json');

  it('unknown key, with the allowed keys', () => {
    const m = base() as unknown as Record<string, unknown>;
    m['vendorNotes'] = 'x';
    expect(problems(m)).toEqual([expect.stringMatching(/^\/vendorNotes: unknown key "vendorNotes"; allowed: \$schema, identity, .* or x-<vendor>/)]);
  });

  it('vendor extensions only under x-<vendor>, as objects', () => {
    const m = base() as unknown as Record<string, unknown>;
    m['x-contoso'] = { board: 'u55' };
    expect(problems(m)).toEqual([]);
    m['x-contoso'] = 'u55';
    expect(problems(m)).toEqual([expect.stringMatching(/^\/x-contoso: found "u55" \(string\); expected object/)]);
  });

  it('enum value, with the allowed values', () => {
    const m = base();
    (m.memories![0] as { kind: string }).kind = 'dram';
    expect(problems(m)).toEqual(['/memories/0/kind: found "dram"; allowed: cxl, ddr, hbm, sram']);
  });

  it('missing key, wrong type, out of range', () => {
    const m = base() as unknown as { devices: Record<string, unknown>[] };
    delete m.devices[0]!['eventfd'];
    (m.devices[1]!['queues'] as Record<string, unknown>)['maxQueues'] = '64';
    (m.devices[1]!['functions'] as Record<string, unknown>[])[0]!['maxTransferBytes'] = 0;
    expect(problems(m)).toEqual([
      '/devices/0/eventfd: missing required key "eventfd"',
      '/devices/1/functions/0/maxTransferBytes: found 0; must be >= 1',
      '/devices/1/queues/maxQueues: found "64" (string); expected integer',
    ]);
  });

  it('wrong $schema version', () => {
    const m = base() as unknown as Record<string, unknown>;
    m['$schema'] = 'urn:openaccel:schema:manifest:2.0';
    expect(problems(m)).toEqual(['/$schema: found "urn:openaccel:schema:manifest:2.0"; must be "urn:openaccel:schema:manifest:1.0"']);
  });
});

describe('semantic checks', () => {
  const base = () => load('fpga-chain.json');

  it('ids are unique and references resolve', () => {
    const m = base();
    m.devices[1]!.id = 'deflate';
    expect(problems(m)).toContainEqual('/devices/1/id: id "deflate" is already used by /devices/0');
    const n = base();
    n.memories![0]!.devices = ['deflate', 'aes'];
    n.links![0]!.to = 'deflate';
    expect(problems(n)).toEqual([
      '/memories/0/devices/1: no device has id "aes"; devices are deflate, aesgcm',
      '/links/0/to: a link joins two different devices',
    ]);
  });

  it('limits are sane', () => {
    const m = base();
    m.limits = { doorbellP50Ns: 900, doorbellP99Ns: 800 };
    expect(problems(m)).toEqual(['/limits/doorbellP99Ns: p99 (800 ns) cannot be below p50 (900 ns)']);
  });

  it('profile claims must match the declared features, including profiles they include', () => {
    const m = load('compression-crypto-asic.json');
    m.devices[0]!.profiles.push('dmabuf');
    m.devices[0]!.functions = m.devices[0]!.functions.filter((f) => f.name !== 'fill');
    expect(problems(m)).toEqual([
      "/devices/0/profiles: claims profile 'core' but profile 'core' requires function 'fill'",
      "/devices/0/profiles: claims profile 'queue' but profile 'core' (included by 'queue') requires function 'fill'",
      "/devices/0/profiles: claims profile 'sva' but profile 'core' (included by 'sva') requires function 'fill'",
      "/devices/0/profiles: claims profile 'dmabuf' but profile 'core' (included by 'dmabuf') requires function 'fill'",
      "/devices/0/profiles: claims profile 'dmabuf' but profile 'dmabuf' requires dmabufImport: true",
      "/devices/0/profiles: claims profile 'dmabuf' but profile 'dmabuf' requires dmabufExport: true",
    ]);
  });

  it('chain needs a shared memory or a p2p link', () => {
    const m = base();
    m.memories = [];
    m.links = m.links!.map((l) => ({ ...l, p2p: false }));
    expect(problems(m).filter((p) => p.includes("profile 'chain' requires a memory shared"))).toHaveLength(2);
  });

});

describe('rules the schema itself expresses, for editors and ajv-only users', () => {
  /** What a user with nothing but the schema file and a stock ajv sees: no code of this package involved. */
  const ajvOnly = (v: unknown) => {
    const ajv = new Ajv({ allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(import.meta.dirname, '..', 'schema', 'manifest-1.0.json'), 'utf8')));
    validate(v);
    return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`);
  };

  it('sizes are multiples of 4096', () => {
    const m = load('fpga-chain.json');
    m.memories![0]!.sizeBytes = 4097;
    expect(problems(m)).toEqual(['/memories/0/sizeBytes: found 4097; must be a multiple of 4096']);
    expect(ajvOnly(m)).toEqual(['/memories/0/sizeBytes multipleOf']);
  });

  it('sva requires pasidBits, and pasidBits requires sva', () => {
    const m = load('npu-hbm.json');
    delete m.devices[0]!.pasidBits;
    expect(problems(m)).toEqual(['/devices/0/pasidBits: sva is true: give pasidBits (1..20)']);
    expect(ajvOnly(m)).toEqual(['/devices/0 required', '/devices/0 if']);
    const n = load('dmabuf-only-dma-engine.json');
    n.devices[0]!.pasidBits = 8;
    expect(problems(n)).toEqual(['/devices/0/pasidBits: pasidBits given but sva is false']);
    expect(ajvOnly(n)).toEqual(['/devices/0 not', '/devices/0 if']);
  });

  it('Python jsonschema, a validator no one here wrote, agrees', (ctx) => {
    const script = `
import json, sys
from jsonschema import Draft7Validator
v = Draft7Validator(json.load(open(sys.argv[1])))
print(json.dumps([sorted('/' + '/'.join(str(p) for p in e.absolute_path) + ' ' + e.validator for e in v.iter_errors(m)) for m in json.load(sys.stdin)]))`;
    const sizes = load('fpga-chain.json');
    sizes.memories![0]!.sizeBytes = 4097;
    const noPasid = load('npu-hbm.json');
    delete noPasid.devices[0]!.pasidBits;
    const vendor = load('fpga-chain.json') as unknown as { identity: Record<string, unknown>; devices: Record<string, unknown>[] };
    vendor.devices[0]!['x-contoso'] = { board: 'u55' };
    const vendorInIdentity = load('fpga-chain.json') as unknown as { identity: Record<string, unknown> };
    vendorInIdentity.identity['x-contoso'] = {};
    const pciHalf = load('compression-crypto-asic.json');
    delete pciHalf.identity.pciVendorId;
    // Debian's python3-jsonschema lives beside /usr/bin/python3; a python3 earlier on PATH (pyenv) may lack it.
    const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import jsonschema']).status === 0) ?? 'python3';
    const r = spawnSync(python, ['-c', script, join(import.meta.dirname, '..', 'schema', 'manifest-1.0.json')], { input: JSON.stringify([load('npu-hbm.json'), sizes, noPasid, vendor, vendorInIdentity, pciHalf]), encoding: 'utf8', timeout: 120_000 });
    if (r.error || /No module named/.test(r.stderr)) {
      ctx.skip();
      return;
    }
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([[], ['/memories/0/sizeBytes multipleOf'], ['/devices/0 required'], [], ['/identity additionalProperties'], ['/identity dependencies']]);
  }, 180_000);

  it('PCI vendor and device ids come as a pair', () => {
    const m = load('compression-crypto-asic.json');
    expect(m.identity.pciVendorId).toBeDefined();
    delete m.identity.pciDeviceId;
    expect(problems(m)).toEqual(['/identity/pciDeviceId: pciVendorId is given: give pciDeviceId too (both or neither)']);
    expect(ajvOnly(m)).toEqual(['/identity dependencies']);
  });

  it('the schema says where vendor x- keys are allowed', () => {
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'schema', 'manifest-1.0.json'), 'utf8'));
    expect(schema.description).toMatch(/x-<vendor>.*allowed here at the top level and in each device,\smemory and link/s);
    for (const d of ['DeviceDecl', 'MemoryDecl', 'LinkDecl']) expect(schema.definitions[d].description).toMatch(/x-<vendor>/);
    expect(Object.keys(schema.definitions.DeviceDecl.patternProperties)).toEqual(['^x-[a-z0-9][a-z0-9-]{0,31}$']);
    expect(schema.definitions.Identity.patternProperties).toBeUndefined();
  });
});

describe('profiles as data', () => {
  it('chain includes dmabuf which includes core', () => {
    expect(profileClosure('chain').map((p) => p.name)).toEqual(['core', 'dmabuf', 'chain']);
    expect(PROFILES.map((p) => p.name)).toEqual(['core', 'queue', 'sva', 'dmabuf', 'chain']);
  });
});

describe('hostile input is rejected before it is looked at', () => {
  const first = (input: string | Uint8Array) => {
    const r = validateManifestText(input);
    expect(r.ok).toBe(false);
    return r.ok ? undefined : r.problems[0]!;
  };

  it('a 10 MB file', () => {
    const p = first(Buffer.alloc(10 * 1024 * 1024, 0x20));
    expect(p).toMatchObject({ rule: 'limits', message: 'document is 10485760 bytes; at most 1048576 are allowed' });
  });

  it('deep nesting', () => {
    expect(first('['.repeat(100000) + ']'.repeat(100000))).toMatchObject({ rule: 'limits', message: 'arrays and objects are nested deeper than 32 levels' });
  });

  it('a huge array or object within the byte limit', () => {
    const m = load('npu-hbm.json') as unknown as Record<string, unknown>;
    m['devices'] = Array.from({ length: 30000 }, () => 1);
    expect(first(JSON.stringify(m))).toEqual({ pointer: '/devices', rule: 'limits', message: 'array of 30000 elements; at most 1024 are allowed' });
    const keys = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`x-k${i}`, {}]));
    expect(first(JSON.stringify({ ...load('npu-hbm.json'), ...keys }))).toMatchObject({ pointer: '', rule: 'limits' });
  });

  it('many schema errors are capped, with a count of the rest', () => {
    const m = load('npu-hbm.json') as unknown as { devices: unknown[] };
    m.devices = Array.from({ length: 64 }, () => ({ id: 1, model: 2, profiles: 3, functions: 4, queues: 5, sva: 6, dmabufImport: 7, dmabufExport: 8, eventfd: 9 }));
    const r = validateManifestText(JSON.stringify(m));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toHaveLength(51);
      expect(r.problems[50]!.message).toMatch(/^\d+ more schema errors not shown$/);
    }
  });

  it('__proto__ and constructor keys anywhere', () => {
    const text = JSON.stringify(load('npu-hbm.json')).replace('"x-', '"x-').replace('"eventfd":true', '"eventfd":true,"x-evil":{"__proto__":{"polluted":1}}');
    expect(first(text)).toMatchObject({ pointer: '/devices/0/x-evil/__proto__', rule: 'json' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(first('{"constructor": {}}')).toMatchObject({ pointer: '/constructor' });
  });

  it('a key given twice in one object (JSON.parse would keep the last silently)', () => {
    const text = JSON.stringify(load('npu-hbm.json')).replace('"sva":true', '"sva":true,"sva":false');
    expect(first(text)).toEqual({ pointer: '/devices/0/sva', rule: 'json', message: 'key "sva" appears twice in one object; give it once' });
    // Decoded keys compare equal; the same key in different objects is no duplicate.
    expect(first('{"identity": {"vendor": "a", "ven\\u0064or": "b"}}')).toMatchObject({ pointer: '/identity/vendor' });
    expect(first('{"a": [{"k": 1}, {"k": 2}], "b": {"s": "\\"k\\": ,", "k": 1}, "b": 2}')).toMatchObject({ pointer: '/b' });
  });

  it('invalid UTF-8 and non-JSON', () => {
    expect(first(Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]))).toMatchObject({ rule: 'json', message: 'document is not valid UTF-8' });
    expect(first('{"identity": ')).toMatchObject({ rule: 'json' });
    expect(first('{"identity": ')!.message).toMatch(/^not JSON: /);
  });

  it('accepts a UTF-8 byte-order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(join(examplesDir, 'npu-hbm.json'))]);
    expect(validateManifestText(bytes).ok).toBe(true);
  });
});
