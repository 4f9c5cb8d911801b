/**
 * A source mutator for kmod's 2.0 C (packages/kmod/accel/*.c): the line operators of ../source-mutants.mjs
 * carried over to C. Pure text operations; nothing here builds or loads a mutant. Comments, string and
 * character literals, preprocessor lines (and their continuations) and log calls are never mutated: a
 * change there is either no code or no rule.
 */

import { OPERATORS as TS_OPERATORS, SIZE_WORDS, balanced, wrongErrno } from '../source-mutants.mjs';

export { wrongErrno };

/** The TypeScript line operators in C's spelling (strict equality is C's only one; C has no `>>>`). */
const OPERATORS = TS_OPERATORS.filter((op) => op.from !== ' >>> ').map((op) => ({ ...op, from: op.from.replace('==', '='), to: op.to.replace('==', '=') }));

/** Calls that only log: an operator inside their arguments changes a message, not a rule. */
const LOG_CALL = /^\s*(pr_\w+|dev_(err|warn|info|dbg|notice)\w*|drm_(err|warn|info|dbg)\w*|drm_printf|seq_printf|MODULE_\w+)\s*\(/;

/**
 * Each line's code with comments and literals blanked (same length as the line, so offsets match), or
 * null for a line that holds no code to mutate (blank, comment only, preprocessor).
 */
export function codeLines(source) {
  const out = [];
  let inComment = false;
  let continued = false; // the previous line was a preprocessor line ending with a backslash
  for (const line of source.split('\n')) {
    if (continued || (!inComment && /^\s*#/.test(line))) {
      continued = /\\\s*$/.test(line);
      out.push(null);
      continue;
    }
    let code = '';
    for (let i = 0; i < line.length; ) {
      if (inComment) {
        const end = line.indexOf('*/', i);
        const stop = end < 0 ? line.length : end + 2;
        code += ' '.repeat(stop - i);
        i = stop;
        if (end >= 0) inComment = false;
      } else if (line.startsWith('/*', i)) {
        inComment = true;
      } else if (line.startsWith('//', i)) {
        code += ' '.repeat(line.length - i);
        i = line.length;
      } else if (line[i] === '"' || line[i] === "'") {
        const quote = line[i];
        let j = i + 1;
        while (j < line.length && line[j] !== quote) j += line[j] === '\\' ? 2 : 1;
        const stop = Math.min(j + 1, line.length);
        // underscores, not spaces: `"a"> b` shows no ' > '
        code += '_'.repeat(stop - i);
        i = stop;
      } else {
        code += line[i++];
      }
    }
    out.push(code.trim() === '' ? null : code);
  }
  return out;
}

/**
 * Every mutant of one C file: { file, line (1-based), lines: 1, operator, original, mutated }, with
 * `original` and `mutated` as trimmed line text (the shape ../source-mutants.mjs's applyMutant takes).
 */
export function mutantsOfC(file, source) {
  const lines = source.split('\n');
  const codes = codeLines(source);
  const out = [];
  const add = (i, operator, mutated) => {
    const original = lines[i].trim();
    if (mutated === original || out.some((m) => m.line === i + 1 && m.mutated === mutated)) return;
    out.push({ file, line: i + 1, lines: 1, operator, original, mutated });
  };
  lines.forEach((line, i) => {
    const code = codes[i];
    if (code === null || LOG_CALL.test(code)) return;
    const replaceAt = (at, len, to) => (line.slice(0, at) + to + line.slice(at + len)).trim();
    for (const op of OPERATORS) {
      for (let at = code.indexOf(op.from); at >= 0; at = code.indexOf(op.from, at + op.from.length)) add(i, op.name, replaceAt(at, op.from.length, op.to));
    }
    for (const m of code.matchAll(/\b(true|false)\b/g)) add(i, 'literal', replaceAt(m.index, m[0].length, m[0] === 'true' ? 'false' : 'true'));
    if (SIZE_WORDS.test(code)) for (const m of code.matchAll(/(?<![\w.])(0x[0-9a-fA-F]+|\d+)([uUlL]*)(?![\w.])/g)) {
      add(i, 'off-by-one', replaceAt(m.index, m[1].length, String(Number(m[1]) + 1)));
    }
    for (const m of code.matchAll(/-E([A-Z0-9]{2,})\b/g)) add(i, 'errno', replaceAt(m.index, m[0].length, `-${wrongErrno(`E${m[1]}`)}`));
    // A dropped check: `if (...) return ...;` on one line, or the guarded return on the line after `if (...)`.
    const c = code.trim();
    if (/^if \(.*\) return\b.*;$/.test(c) && balanced(code)) add(i, 'check-removed', ';');
    const prev = codes[i - 1]?.trim() ?? '';
    if (/^(else )?if \(.*\)$/.test(prev) && balanced(prev) && /^return\b.*;$/.test(c) && balanced(code)) add(i, 'check-removed', ';');
  });
  return out;
}
