import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { compare, daemonSet, rbac, deployFiles, exportNode, fleetDistances, shippedClasses, shippedTemplates, simulate, validateObject } from '../src/index.js';
import { machines } from './fixtures.js';

describe('allocation simulator over 1,000 nodes', { timeout: 120_000 }, () => {
  it('allocates every shipped claim on every node and agrees with topology everywhere', () => {
    const ms = machines();
    const r = simulate(ms, 1000, shippedTemplates(fleetDistances(ms)), shippedClasses());
    expect(r.nodes).toBe(1000);
    for (const c of r.claims) {
      expect(c.disagreements, c.claim).toEqual([]);
      expect(c.agree).toBe(1000);
    }
    // Every third node is a two-socket-hbm machine: DEFLATE, AES-GCM, shared HBM and a link; the
    // kfd-xgmi workstations (333) have two XGMI-linked GPUs; garbage and two-socket-hbm have COPY.
    expect(Object.fromEntries(r.claims.map((c) => [c.claim, c.allocated]))).toEqual({
      'openaccel-deflate': 334,
      'openaccel-sha256': 334,
      'openaccel-deflate-near-node-1': 334,
      'openaccel-deflate-near-node-3': 334,
      'openaccel-deflate-aes-gcm-encrypt-shared-memory': 334,
      'openaccel-deflate-aes-gcm-encrypt-chain': 334,
      'openaccel-compute-compute-chain': 333,
      'openaccel-copy': 667,
      'openaccel-deflate-16-queues': 334,
    });
    // Where a claim does not fit, the outcome says why.
    const gpu = r.claims.find((c) => c.claim === 'openaccel-deflate')!.examples.find((e) => e.machine === 'kfd-xgmi-workstation')!;
    expect(gpu.unfit).toBe('request accel: no device matches');
    const chained = r.claims.find((c) => c.query.kind === 'chain')!;
    expect(chained.examples[0]!.allocation!.map((a) => a.device)).toEqual(['openaccel-accel0', 'openaccel-accel1']);
  });

  it('shares devices by their queues: copies of a claim fit on one node until the queues are used up, and the next says why', () => {
    const ms = machines();
    const r = simulate(ms, 3, shippedTemplates(fleetDistances(ms)), shippedClasses());
    const on = (machine: string, claim: string) => r.sharing.find((x) => x.machine === machine && x.claim === claim)!;
    // two-socket-hbm: COPY on accel0 and accel1, 64 free queues each.
    expect(on('two-socket-hbm', 'openaccel-copy')).toEqual({
      machine: 'two-socket-hbm',
      claim: 'openaccel-copy',
      fitted: 128,
      perDevice: { 'openaccel-accel0': 64, 'openaccel-accel1': 64 },
      unfit: "request accel: 2 devices match; openaccel-accel0 0 of 64 'queues' left, 1 needed; openaccel-accel1 0 of 64 'queues' left, 1 needed",
    });
    // 16 queues a copy: 64/16 + 250/16 + 256/16 = 4 + 15 + 16 on the three DEFLATE devices.
    const big = on('two-socket-hbm', 'openaccel-deflate-16-queues');
    expect(big.fitted).toBe(35);
    expect(big.unfit).toContain("uacce-hisi-zip-0 10 of 250 'queues' left, 16 needed");
    expect(on('two-socket-hbm', 'openaccel-deflate-aes-gcm-encrypt-chain').unfit).toBe(
      "request deflate: 3 devices match; openaccel-accel0 0 of 64 'queues' left, 1 needed; uacce-hisi-zip-0 has no openaccel.dev/linkDomain, which a constraint of the claim needs; uacce-hisi-zip-2 has no openaccel.dev/linkDomain, which a constraint of the claim needs",
    );
    // The kfd GPUs publish no queues, so they are allocated whole: one chain claim takes both.
    expect(on('kfd-xgmi-workstation', 'openaccel-compute-compute-chain').fitted).toBe(1);
    expect(on('kfd-xgmi-workstation', 'openaccel-compute-compute-chain').unfit).toContain('kfd-1 allocated whole to another claim');
  });

  it('reports a disagreement when an allocation is not what topology answers', () => {
    const g = machines()[0]!.graph;
    expect(compare(g, { kind: 'chain', x: 'deflate', y: 'aes_gcm_encrypt' }, ['openaccel:accel0', 'uacce:hisi_sec2-1'])).toMatch(/does not offer/);
    expect(compare(g, { kind: 'nearest', fn: 'deflate', numa: 0 }, ['openaccel:accel0'])).toMatch(/topology's nearest is uacce:hisi_zip-0 at 10/);
    expect(compare(g, { kind: 'function', fn: 'deflate' }, undefined)).toMatch(/not allocated/);
    // Both requests on one device agree only when that device is shared (topology offers it first).
    expect(compare(g, { kind: 'chain', x: 'copy', y: 'fill' }, ['openaccel:accel0', 'openaccel:accel0'])).toMatch(/does not offer/);
    expect(compare(g, { kind: 'chain', x: 'copy', y: 'fill' }, ['openaccel:accel0', 'openaccel:accel0'], new Set(['openaccel:accel0']))).toBeUndefined();
    expect(compare(g, { kind: 'function', fn: 'deflate', queues: 100 }, ['openaccel:accel0'])).toMatch(/lacks deflate/);
  });
});

const DEPLOY = fileURLToPath(new URL('../deploy/', import.meta.url));

describe('shipped files', () => {
  it('deploy/ is what the generator writes for the fixture fleet (regenerate with accelctl dra manifests)', () => {
    const files = deployFiles(fleetDistances(machines()));
    for (const [name, text] of Object.entries(files)) expect(readFileSync(DEPLOY + name, 'utf8'), name).toBe(text);
  });

  it('every shipped object is valid', () => {
    for (const c of shippedClasses()) expect(validateObject(c)).toEqual([]);
    for (const t of shippedTemplates(fleetDistances(machines()))) expect(validateObject(t.template)).toEqual([]);
    expect(validateObject(exportNode(machines()[0]!.graph, { node: 'n' }).slices[0])).toEqual([]);
  });

  it('the DaemonSet and RBAC pass the official apps/v1 and rbac/v1 schemas', () => {
    expect(() => new DaemonSet(daemonSet() as never).validate()).not.toThrow();
    const [, , role, binding] = rbac();
    expect(() => new ClusterRole(role as never).validate()).not.toThrow();
    expect(() => new ClusterRoleBinding(binding as never).validate()).not.toThrow();
    const broken = daemonSet() as { spec: { selector?: unknown } };
    delete broken.spec.selector;
    expect(() => new DaemonSet(broken as never).validate()).toThrow();
  });

  it('the official .proto files are unmodified (see proto/SOURCES.md)', () => {
    const PROTO = fileURLToPath(new URL('../proto/', import.meta.url));
    const sha = (p: string) => createHash('sha256').update(readFileSync(PROTO + p)).digest('hex');
    expect(sha('k8s.io/kubelet/pkg/apis/dra/v1/api.proto')).toBe('c860dc0ef1e2a675314ca3b0b093868d52ddab5ad1f2a2a4dfad90cde9a8186f');
    expect(sha('k8s.io/kubelet/pkg/apis/pluginregistration/v1/api.proto')).toBe('dfda45523702b28d265c21945325a60a268b76eaf8ac25b91d92e64273f04a66');
    expect(sha('github.com/gogo/protobuf/gogoproto/gogo.proto')).toBe('f2f77edf7de807ded7884813d851656f4ccb18262db717a8f31061995f3e7324');
  });
});
