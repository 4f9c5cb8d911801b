/**
 * A source mutator for refdev's 2.0 TypeScript (packages/refdev/src/v2): each mutant changes one line (two
 * for a field swap) the way a driver author's bug would. Pure text operations on a copy's source; nothing
 * here runs or compiles a mutant. A mutant that only touches types is dropped later, when its emitted
 * JavaScript turns out identical to the original's.
 */

/** Operators: a pattern that must occur in the code of a line and what one occurrence becomes. */
export const OPERATORS = [
  { name: 'equality', from: ' === ', to: ' !== ' },
  { name: 'equality', from: ' !== ', to: ' === ' },
  { name: 'boundary', from: ' < ', to: ' <= ' },
  { name: 'boundary', from: ' <= ', to: ' < ' },
  { name: 'boundary', from: ' > ', to: ' >= ' },
  { name: 'boundary', from: ' >= ', to: ' > ' },
  { name: 'logical', from: ' && ', to: ' || ' },
  { name: 'logical', from: ' || ', to: ' && ' },
  { name: 'arithmetic', from: ' + ', to: ' - ' },
  { name: 'arithmetic', from: ' - ', to: ' + ' },
  { name: 'bitwise', from: ' & ', to: ' | ' },
  { name: 'bitwise', from: ' | ', to: ' & ' },
  { name: 'bitwise', from: ' >>> ', to: ' >> ' },
];

/**
 * The errno a wrong errno constant becomes: EINVAL turns into ENOENT, every other errno into EINVAL (so a
 * rule whose errno the suite never compares survives).
 */
export function wrongErrno(errno) {
  return errno === 'EINVAL' ? 'ENOENT' : 'EINVAL';
}

/** Lines that are no code a rule depends on: comments, imports, declarations of types. */
function skippable(line) {
  const t = line.trim();
  return t === '' || t.startsWith('//') || t.startsWith('*') || t.startsWith('/*') || t.startsWith('import ') || t.startsWith('export type ') || t.startsWith('type ') || t.startsWith('interface ') || t.startsWith('export interface ');
}

/**
 * The line with string literals and a trailing comment blanked out: operators are looked for only in code.
 * Strings become underscores, not spaces, so that `'a'> b` shows no ' > '.
 */
export function codeOf(line) {
  const blanked = line.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, (s) => '_'.repeat(s.length));
  const comment = blanked.indexOf('//');
  return comment < 0 ? blanked : blanked.slice(0, comment) + ' '.repeat(blanked.length - comment);
}

/** Parentheses, brackets and braces of the code balance within the line. */
export function balanced(code) {
  let depth = 0;
  for (const c of code) {
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c) && --depth < 0) return false;
  }
  return depth === 0;
}

/** Lines about sizes, offsets, counts and limits, where an integer literal off by one is a plausible bug. */
export const SIZE_WORDS = /size|offset|len|bytes|entries|words|count|num|max|page|tail|head|point|align|pos|index|\[\d+\]/i;

const KEYWORD_START = /^(return|const|let|var|if|else|for|while|do|switch|case|default|break|continue|throw|try|catch|finally|export|import|function|async function|class|private|readonly|constructor|get |set |static|public|protected|yield|\}|\{|\)|\]|\.\.\.)/;

/** A whole single-line expression statement whose removal leaves valid code: a call or an assignment. */
function removableStatement(line, code) {
  const t = line.trim();
  const c = code.trim();
  if (!c.endsWith(';') || KEYWORD_START.test(t) || !balanced(code)) return false;
  return /^(await |void )?[\w$.!?[\]()]+\(.*\);$/.test(c) || /^[\w$.[\]]+ ?([-+|&]?=|\+\+|--)/.test(c) || /^(\+\+|--)[\w$.]+;$/.test(c);
}

/**
 * Every mutant of one file: { file, line (1-based), lines (how many it replaces), operator, original,
 * mutated }. `original` and `mutated` are trimmed line text (joined by '\n' for a two-line swap).
 */
export function mutantsOf(file, source) {
  const lines = source.split('\n');
  const out = [];
  const add = (i, operator, mutated, n = 1) => {
    const original = lines.slice(i, i + n).map((l) => l.trim()).join('\n');
    if (mutated === original || out.some((m) => m.line === i + 1 && m.mutated === mutated)) return;
    out.push({ file, line: i + 1, lines: n, operator, original, mutated });
  };
  lines.forEach((line, i) => {
    if (skippable(line)) return;
    const code = codeOf(line);
    const t = line.trim();
    const replaceAt = (at, len, to) => (line.slice(0, at) + to + line.slice(at + len)).trim();
    for (const op of OPERATORS) {
      for (let at = code.indexOf(op.from); at >= 0; at = code.indexOf(op.from, at + op.from.length)) add(i, op.name, replaceAt(at, op.from.length, op.to));
    }
    for (const m of code.matchAll(/\b(true|false)\b/g)) add(i, 'literal', replaceAt(m.index, m[0].length, m[0] === 'true' ? 'false' : 'true'));
    // Off by one: an integer literal one larger, on lines about sizes, offsets, counts and limits.
    if (SIZE_WORDS.test(code)) for (const m of code.matchAll(/(?<![\w.$])(0x[0-9a-fA-F]+|\d+)(n?)(?![\w.])/g)) {
      const bigint = m[2] === 'n';
      const next = bigint ? `${BigInt(m[1]) + 1n}n` : String(Number(m[1]) + 1);
      add(i, 'off-by-one', replaceAt(m.index, m[0].length, next));
    }
    // A wrong errno constant (in the raw line: errnos are string literals).
    for (const m of line.matchAll(/'(E[A-Z0-9]{2,})'/g)) add(i, 'errno', replaceAt(m.index, m[0].length, `'${wrongErrno(m[1])}'`));
    // A removed check: `if (...) return ...;` on one line, or a guarded return on the line after `if (...)`.
    if (/^if \(.*\) return\b.*;$/.test(t) && balanced(code) && !/^\s*else\b/.test(lines[i + 1] ?? '')) add(i, 'check-removed', ';');
    const prev = lines[i - 1]?.trim() ?? '';
    if (/^if \(.*\)$/.test(prev) && /^return\b.*;$/.test(t) && balanced(code)) add(i, 'check-removed', ';');
    if (removableStatement(line, code)) add(i, 'statement-removed', ';');
    // Swapped fields: two adjacent `name: value,` lines of one object literal exchange their values.
    const field = /^(\w+): (.+),$/;
    const next = lines[i + 1]?.trim() ?? '';
    const a = field.exec(t);
    const b = field.exec(next);
    if (a && b && a[2] !== b[2] && balanced(codeOf(a[2])) && balanced(codeOf(b[2]))) add(i, 'fields-swapped', `${a[1]}: ${b[2]},\n${b[1]}: ${a[2]},`, 2);
  });
  return out;
}

/** The source with one mutant applied (its lines replaced, the first line's indentation kept for each). */
export function applyMutant(source, m) {
  const lines = source.split('\n');
  const at = m.line - 1;
  const now = lines.slice(at, at + m.lines).map((l) => l.trim()).join('\n');
  if (now !== m.original) throw new Error(`${m.file}:${m.line} is no longer '${m.original}'`);
  const indent = /^\s*/.exec(lines[at])[0];
  lines.splice(at, m.lines, ...m.mutated.split('\n').map((l) => indent + l));
  return lines.join('\n');
}

/** The key an equivalent mutant is recorded under: file and text, not the line number, which moves. */
export function mutantKey(m) {
  return `${m.file}: ${m.original} => ${m.mutated}`;
}

/** mulberry32: a small seeded generator, so that a sample is the same on every machine. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` mutants drawn by `seed` (all when n covers the list), in source order. */
export function seededSample(mutants, n, seed) {
  if (n >= mutants.length) return [...mutants];
  const random = generator(seed);
  const idx = mutants.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx
    .slice(0, n)
    .sort((x, y) => x - y)
    .map((i) => mutants[i]);
}
