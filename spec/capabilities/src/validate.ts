import { DEFAULT_LIMITS, parseUntrustedJson, type InputLimits } from './input.js';
import type { Manifest } from './manifest.js';
import type { ManifestProblem } from './problem.js';
import { schemaProblems } from './schema.js';
import { semanticProblems } from './semantics.js';

export type ManifestValidation = { ok: true; manifest: Manifest; problems: [] } | { ok: false; problems: ManifestProblem[] };

/** Schema, then semantic checks (the latter only once the shape is right, so their messages make sense). */
export function validateManifest(value: unknown): ManifestValidation {
  const schema = schemaProblems(value);
  if (schema.length) return { ok: false, problems: schema };
  const manifest = value as Manifest;
  const semantic = semanticProblems(manifest);
  return semantic.length ? { ok: false, problems: semantic } : { ok: true, manifest, problems: [] };
}

/** Validates untrusted bytes or text: bounded in size and depth before parsing, prototype keys refused. */
export function validateManifestText(input: string | Uint8Array, limits: InputLimits = DEFAULT_LIMITS): ManifestValidation {
  const parsed = parseUntrustedJson(input, limits);
  return parsed.ok ? validateManifest(parsed.value) : { ok: false, problems: [parsed.problem] };
}
