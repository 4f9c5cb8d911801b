/**
 * A small source mutator for refdev's built JavaScript: each mutant changes one operator or drops one
 * check in the files that implement the spec's rules, the way a driver author's bug would. Pure text
 * operations; nothing here runs a mutant.
 */

/** Files of packages/refdev/dist that implement spec rules (ioctls, ring protocol, memory access, functions). */
export const TARGET_FILES = ['context.js', 'engine.js', 'engine-memory.js', 'functions.js', 'device.js', 'dmabuf.js'];

/** Operators: a pattern that must occur in the line and what one occurrence becomes. */
const OPERATORS = [
  { name: 'equality', from: ' === ', to: ' !== ' },
  { name: 'equality', from: ' !== ', to: ' === ' },
  { name: 'boundary', from: ' < ', to: ' <= ' },
  { name: 'boundary', from: ' <= ', to: ' < ' },
  { name: 'boundary', from: ' > ', to: ' >= ' },
  { name: 'boundary', from: ' >= ', to: ' > ' },
  { name: 'logical', from: ' && ', to: ' || ' },
  { name: 'logical', from: ' || ', to: ' && ' },
  { name: 'arithmetic', from: ' + 1', to: ' - 1' },
  { name: 'arithmetic', from: ' - 1', to: ' + 1' },
  { name: 'arithmetic', from: ' + ', to: ' - ' },
  { name: 'bitwise', from: ' & ', to: ' | ' },
  { name: 'literal', from: 'true', to: 'false' },
  { name: 'literal', from: 'false', to: 'true' },
];

/** Lines that are not code a rule depends on: comments, imports, the deliberate-fault switches, logging. */
function skippable(line) {
  const t = line.trim();
  return t === '' || t.startsWith('//') || t.startsWith('*') || t.startsWith('/*') || t.startsWith('import ') || t.startsWith('export *') || line.includes('faults') || line.includes('fault.has(') || line.includes('console.') || line.includes('sourceMappingURL');
}

/**
 * Every mutant of one file: { file, line (1-based), operator, original, mutated }. A removed check is an
 * `if (...)` whose guarded `return fail(...)` / `return STATUS...` line becomes an empty statement.
 */
export function mutantsOf(file, source) {
  const lines = source.split('\n');
  const out = [];
  lines.forEach((line, i) => {
    if (skippable(line)) return;
    // Operators inside string literals are not code: only the parts outside quotes are mutated.
    const code = line.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, (s) => ' '.repeat(s.length));
    for (const op of OPERATORS) {
      let at = code.indexOf(op.from);
      while (at >= 0) {
        // A literal is a whole word (not `isTrue`); the other operators carry their own spaces.
        const whole = op.name !== 'literal' || (!/\w/.test(code[at - 1] ?? ' ') && !/\w/.test(code[at + op.from.length] ?? ' '));
        const mutated = (line.slice(0, at) + op.to + line.slice(at + op.from.length)).trim();
        // ' + 1' and ' + ' can make the same line: one mutant.
        if (whole && !out.some((m) => m.line === i + 1 && m.mutated === mutated)) out.push({ file, line: i + 1, operator: op.name, original: line.trim(), mutated });
        at = code.indexOf(op.from, at + op.from.length);
      }
    }
    const prev = lines[i - 1]?.trim() ?? '';
    if (/^(else )?if \(/.test(prev) && !prev.endsWith('{') && /^return (fail\(|fn\.STATUS\.|STATUS\.|'E[A-Z]+')/.test(line.trim())) {
      out.push({ file, line: i + 1, operator: 'check-removed', original: line.trim(), mutated: ';' });
    }
  });
  return out;
}

/** The source with one mutant applied (its line replaced, indentation kept). */
export function applyMutant(source, m) {
  const lines = source.split('\n');
  const indent = /^\s*/.exec(lines[m.line - 1])[0];
  if (lines[m.line - 1].trim() !== m.original) throw new Error(`${m.file}:${m.line} is no longer '${m.original}'`);
  lines[m.line - 1] = indent + m.mutated;
  return lines.join('\n');
}

/** A deterministic sample of `n` mutants spread over the list (every k-th, starting at `offset`). */
export function sample(mutants, n, offset = 0) {
  if (n >= mutants.length) return [...mutants];
  const step = mutants.length / n;
  return Array.from({ length: n }, (_, i) => mutants[Math.floor((offset + i * step) % mutants.length)]);
}
