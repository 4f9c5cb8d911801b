/**
 * Turning untrusted bytes into a JSON value in bounded time and memory: size, UTF-8, nesting depth
 * and dangerous keys are checked before anything looks at the content.
 */
import { pointerOf, show, type ManifestProblem } from './problem.js';

export interface InputLimits {
  /** Largest document, in bytes. */
  maxBytes: number;
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Most elements of one array and keys of one object (the schema allows at most 256 anywhere). */
  maxItems: number;
}

export const DEFAULT_LIMITS: InputLimits = { maxBytes: 1 << 20, maxDepth: 32, maxItems: 1024 };
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Nesting depth of a JSON text, by one linear scan that skips strings; stops early past `limit`. */
function depthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** The first structural problem: a prototype key, or an array or object larger than `maxItems`. */
function structureProblem(v: unknown, path: string, maxItems: number): ManifestProblem | undefined {
  if (Array.isArray(v)) {
    if (v.length > maxItems) return { pointer: path, rule: 'limits', message: `array of ${v.length} elements; at most ${maxItems} are allowed` };
    for (let i = 0; i < v.length; i++) {
      const r = structureProblem(v[i], `${path}/${i}`, maxItems);
      if (r) return r;
    }
  } else if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length > maxItems) return { pointer: path, rule: 'limits', message: `object of ${keys.length} keys; at most ${maxItems} are allowed` };
    for (const k of keys) {
      if (FORBIDDEN_KEYS.has(k)) return { pointer: `${path}/${k}`, rule: 'json', message: `key ${show(k)} is not allowed anywhere (prototype keys are refused)` };
      const r = structureProblem((v as Record<string, unknown>)[k], `${path}/${k}`, maxItems);
      if (r) return r;
    }
  }
  return undefined;
}

type Frame = { kind: 'object'; keys: Set<string>; key: string | undefined; expectKey: boolean } | { kind: 'array'; index: number };

/**
 * The first key that appears twice in one object, with its pointer. JSON.parse keeps the last silently, so
 * a second `"sva": false` would override what a reader of the file sees first. One linear scan of text
 * JSON.parse has accepted; keys are compared decoded (`"a"` and `"\u0061"` are one key).
 */
function duplicateKey(text: string): ManifestProblem | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (top?.kind === 'object' && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) {
          const path = stack.slice(0, -1).map((f) => (f.kind === 'object' ? f.key! : f.index));
          return { pointer: pointerOf([...path, key]), rule: 'json', message: `key ${show(key)} appears twice in one object; give it once` };
        }
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = j;
    } else if (c === '{') stack.push({ kind: 'object', keys: new Set(), key: undefined, expectKey: true });
    else if (c === '[') stack.push({ kind: 'array', index: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',' && top) {
      if (top.kind === 'object') top.expectKey = true;
      else top.index++;
    }
  }
  return undefined;
}

export type ParsedInput = { ok: true; value: unknown } | { ok: false; problem: ManifestProblem };

export function parseUntrustedJson(input: string | Uint8Array, limits: InputLimits = DEFAULT_LIMITS): ParsedInput {
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (bytes > limits.maxBytes) {
    return { ok: false, problem: { pointer: '', rule: 'limits', message: `document is ${bytes} bytes; at most ${limits.maxBytes} are allowed` } };
  }
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      return { ok: false, problem: { pointer: '', rule: 'json', message: 'document is not valid UTF-8' } };
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (depthExceeds(text, limits.maxDepth)) {
    return { ok: false, problem: { pointer: '', rule: 'limits', message: `arrays and objects are nested deeper than ${limits.maxDepth} levels` } };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: { pointer: '', rule: 'json', message: `not JSON: ${(e as Error).message}` } };
  }
  const bad = structureProblem(value, '', limits.maxItems) ?? duplicateKey(text);
  if (bad) return { ok: false, problem: bad };
  return { ok: true, value };
}
