/** The generated manifest schema, compiled once with ajv in strict mode. */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsNs from 'ajv-formats';
import type { Manifest } from './manifest.js';
import { show, type ManifestProblem } from './problem.js';

const addFormats = addFormatsNs.default;

export const MANIFEST_SCHEMA_URI = 'urn:openaccel:schema:manifest:1.0';

/** The JSON Schema of manifest format 1.0 (generated; see schema/manifest-1.0.json). */
export const manifestSchema: Record<string, unknown> = JSON.parse(readFileSync(new URL('../schema/manifest-1.0.json', import.meta.url), 'utf8'));

let compiled: ValidateFunction<Manifest> | undefined;

function validator(): ValidateFunction<Manifest> {
  if (!compiled) {
    // strictRequired off: the then/else branches of a conditional rule require keys of the enclosing object.
    const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true, verbose: true, logger: false });
    addFormats(ajv);
    compiled = ajv.compile<Manifest>(manifestSchema);
  }
  return compiled;
}

/** Every schema violation, as problems a person can act on; at most `max` of them. */
export function schemaProblems(value: unknown, max = 50): ManifestProblem[] {
  const validate = validator();
  if (validate(value)) return [];
  // An `if` error only says that its then/else branch failed; the branch's own error says what to do.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  const problems = errors.slice(0, max).map((e) => describe(e, value));
  if (errors.length > max) problems.push({ pointer: '', rule: 'schema', message: `${errors.length - max} more schema errors not shown` });
  return problems;
}

function at(value: unknown, pointer: string): unknown {
  let v = value;
  for (const part of pointer.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

/** A failed then/else branch of a conditional rule: its `description` is the message (see manifest.ts). */
function conditional(e: ErrorObject): ManifestProblem | undefined {
  const branch = /\/(then|else)\/(required|not)$/.exec(e.schemaPath);
  const description = (e.parentSchema as Record<string, unknown> | undefined)?.['description'];
  if (!branch || typeof description !== 'string') return undefined;
  const key = e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty : ((e.parentSchema as { not?: { required?: string[] } }).not?.required ?? [])[0];
  return { pointer: key === undefined ? e.instancePath : `${e.instancePath}/${key}`, rule: `schema:${branch[1]}`, message: description };
}

function describe(e: ErrorObject, root: unknown): ManifestProblem {
  const found = at(root, e.instancePath);
  const p = e.params as Record<string, unknown>;
  const rule = `schema:${e.keyword}`;
  const branch = conditional(e);
  if (branch) return branch;
  let message: string;
  switch (e.keyword) {
    case 'additionalProperties': {
      const props = Object.keys(((e.parentSchema as Record<string, unknown>)?.['properties'] as object) ?? {});
      const vendor = (e.parentSchema as Record<string, unknown>)?.['patternProperties'] ? ', or x-<vendor> (an object)' : '';
      return { pointer: `${e.instancePath}/${String(p['additionalProperty'])}`, rule, message: `unknown key ${show(p['additionalProperty'])}; allowed: ${props.join(', ')}${vendor}` };
    }
    case 'required':
      return { pointer: `${e.instancePath}/${String(p['missingProperty'])}`, rule, message: `missing required key ${show(p['missingProperty'])}` };
    case 'enum':
      message = `found ${show(found)}; allowed: ${(p['allowedValues'] as unknown[]).map((x) => String(x)).join(', ')}`;
      break;
    case 'const':
      message = `found ${show(found)}; must be ${show(p['allowedValue'])}`;
      break;
    case 'dependencies':
      return { pointer: `${e.instancePath}/${String(p['missingProperty'])}`, rule, message: `${String(p['property'])} is given: give ${String(p['missingProperty'])} too (both or neither)` };
    case 'multipleOf':
      message = `found ${show(found)}; must be a multiple of ${String(p['multipleOf'])}`;
      break;
    case 'type':
      message = `found ${show(found)} (${found === null ? 'null' : Array.isArray(found) ? 'array' : typeof found}); expected ${String(p['type'])}`;
      break;
    default:
      message = `found ${show(found)}; ${e.message ?? 'invalid'}`;
  }
  return { pointer: e.instancePath, rule, message };
}
