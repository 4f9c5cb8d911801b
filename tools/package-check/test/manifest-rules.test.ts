import { describe, expect, it } from 'vitest';
import {
  checkChangesetsConfig,
  checkPublishedManifest,
  checkWorkspaceManifest,
  NODE_ENGINES,
} from '../src/manifest-rules.js';
import type { Manifest, Workspace } from '../src/workspaces.js';

const good: Manifest = {
  name: '@openaccel/b',
  version: '0.1.0',
  license: 'MIT',
  type: 'module',
  engines: { node: NODE_ENGINES },
  exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './schema.json': './schema.json' },
  dependencies: { '@openaccel/a': '^0.1.0', ajv: '8.20.0' },
};
const a: Workspace = { dir: 'a', manifest: { name: '@openaccel/a', version: '0.1.0', engines: { node: NODE_ENGINES } } };
const ws = (m: Manifest): Workspace => ({ dir: 'b', manifest: m });

describe('manifest rules', () => {
  it('accept a publishable manifest with real ranges, engines, types and a default condition', () => {
    expect(checkWorkspaceManifest(ws(good), [a, ws(good)])).toEqual([]);
    expect(checkPublishedManifest(good)).toEqual([]);
  });

  it('refuse "*" and ranges the workspace version does not satisfy (npm would go to the registry)', () => {
    const star = checkWorkspaceManifest(ws({ ...good, dependencies: { '@openaccel/a': '*' } }), [a]);
    expect(star.map((p) => p.message)).toEqual(['dependencies.@openaccel/a is "*": give a real range such as "^0.1.0"']);
    const stale = checkWorkspaceManifest(ws({ ...good, devDependencies: { '@openaccel/a': '^0.2.0' } }), [a]);
    expect(stale[0]?.message).toMatch(/does not satisfy/);
  });

  it('refuse a workspace without engines, and a private one that is not on the unpublished list', () => {
    const { engines: _e, ...noEngines } = good;
    expect(checkWorkspaceManifest(ws(noEngines), [a])[0]?.message).toMatch(/engines/);
    expect(checkWorkspaceManifest(ws({ ...good, private: true }), [a])[0]?.message).toMatch(/private/);
    expect(checkWorkspaceManifest(ws({ ...good, name: '@openaccel/kmod', private: true }), [a])).toEqual([]);
  });

  it('refuse an import-only export (require() cannot resolve it), a missing types condition and 0.0.0', () => {
    const importOnly = checkPublishedManifest({ ...good, exports: { '.': { types: './d.d.ts', import: './d.js' } } });
    expect(importOnly.map((p) => p.message)).toEqual(['exports "." has no "default" condition: require() cannot resolve it']);
    const untyped = checkPublishedManifest({ ...good, exports: { '.': { default: './dist/index.js' } } });
    expect(untyped.map((p) => p.message)).toEqual(['exports "." has no "types" condition']);
    expect(checkPublishedManifest({ ...good, version: '0.0.0' })[0]?.message).toMatch(/placeholder/);
  });

  it('want changesets to publish scoped packages as public', () => {
    expect(checkChangesetsConfig({ access: 'restricted' })).toHaveLength(1);
    expect(checkChangesetsConfig({ access: 'public' })).toEqual([]);
  });
});
