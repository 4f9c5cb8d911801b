/** Conformance per profile, from the profile's mandatory tests and the profiles the device claims. */
import { PROFILE_NAMES, profileClosure, type Manifest, type ProfileName } from '@openaccel/capabilities';
import type { AnyTest, TestResult } from './model.js';

export interface ProfileVerdict {
  profile: ProfileName;
  claimed: boolean;
  /** conformant: every mandatory test passed (or warned). not-conformant: one failed, errored, timed out, or was skipped. incomplete: some mandatory tests were not run (a filtered run). */
  verdict: 'conformant' | 'not-conformant' | 'incomplete';
  mandatory: number;
  passed: number;
  /** Mandatory tests that did not pass, with their status. */
  failing: { id: string; status: string }[];
  notRun: number;
}

/** Tests mandatory for a profile: those of the profile and of every profile it includes. */
export function mandatoryTests<T extends AnyTest>(profile: ProfileName, tests: readonly T[]): T[] {
  const closure = new Set(profileClosure(profile).map((p) => p.name));
  return tests.filter((t) => t.profiles.some((p) => closure.has(p)));
}

/** Profiles claimed: the manifest device with the device's model, else those the device's capabilities imply. */
export function claimedProfiles(opts: { manifest?: Manifest | undefined; model: string; caps: string[]; peers: number }): ProfileName[] {
  if (opts.manifest) return opts.manifest.devices.find((d) => d.model === opts.model)?.profiles ?? [];
  const p: ProfileName[] = ['core', 'queue'];
  if (opts.caps.includes('sva')) p.push('sva');
  const dmabuf = opts.caps.includes('dmabuf_import') && opts.caps.includes('dmabuf_export');
  if (dmabuf) p.push('dmabuf');
  if (dmabuf && opts.peers > 0) p.push('chain');
  return p;
}

export function profileVerdicts(all: readonly AnyTest[], results: readonly TestResult[], claimed: readonly ProfileName[]): ProfileVerdict[] {
  const byId = new Map(results.map((r) => [r.id, r]));
  return PROFILE_NAMES.map((profile) => {
    const mandatory = mandatoryTests(profile, all);
    const failing: { id: string; status: string }[] = [];
    let passed = 0;
    let notRun = 0;
    for (const t of mandatory) {
      const r = byId.get(t.id);
      if (!r) notRun++;
      else if (r.status === 'pass' || r.status === 'warn') passed++;
      else failing.push({ id: t.id, status: r.status });
    }
    const verdict = failing.length ? 'not-conformant' : notRun ? 'incomplete' : 'conformant';
    return { profile, claimed: claimed.includes(profile), verdict, mandatory: mandatory.length, passed, failing, notRun };
  });
}
