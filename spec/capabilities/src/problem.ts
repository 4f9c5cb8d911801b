/** One thing wrong with a manifest, said so a person can act on it. */
export interface ManifestProblem {
  /** JSON pointer to the offending value ('' = the whole document). */
  pointer: string;
  /** What is wrong and what is allowed. */
  message: string;
  /** Which check: `json`, `limits`, `schema:<keyword>`, or a semantic rule such as `ids-unique`. */
  rule: string;
}

export function pointerOf(path: readonly (string | number)[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** A short rendering of a found value for messages. */
export function show(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
