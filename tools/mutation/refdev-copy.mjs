/**
 * A private copy of refdev whose 2.0 code is compiled from its TypeScript source: the built dist (for
 * everything else), the src/v2 sources as they are now, each compiled on its own (the repository builds
 * with isolatedModules, so one file compiles without the others). A mutant is written into the copy's
 * dist/v2 and undone there; the repository's files are never touched.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const COMPILER_OPTIONS = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: false, isolatedModules: true };

/** The JavaScript tsc would emit for one file (without its source map comment). */
export function emitJs(file, source) {
  const r = ts.transpileModule(source, { fileName: file, compilerOptions: COMPILER_OPTIONS, reportDiagnostics: true });
  const syntax = r.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (syntax) throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(syntax.messageText, '\n')}`);
  return r.outputText;
}

export class RefdevCopy {
  /** `dir` must be an empty directory of the caller's (which removes it). */
  constructor(repo, dir) {
    this.dir = dir;
    const pkg = join(repo, 'packages/refdev');
    cpSync(join(pkg, 'package.json'), join(dir, 'package.json'));
    cpSync(join(pkg, 'dist'), join(dir, 'dist'), { recursive: true });
    cpSync(join(pkg, 'src/v2'), join(dir, 'src/v2'), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
    mkdirSync(join(dir, 'dist/v2'), { recursive: true });
    /** file name (in src/v2) -> its TypeScript source and the JavaScript of it. */
    this.files = new Map();
    for (const f of readdirSync(join(dir, 'src/v2')).filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts')).sort()) {
      const source = readFileSync(join(dir, 'src/v2', f), 'utf8');
      const js = emitJs(f, source);
      this.files.set(f, { source, js });
      writeFileSync(this.jsPath(f), js);
    }
  }

  jsPath(file) {
    return join(this.dir, 'dist/v2', file.replace(/\.ts$/, '.js'));
  }

  /** Writes the mutated file's JavaScript; returns undo(). */
  plant(file, mutatedSource) {
    const f = this.files.get(file);
    writeFileSync(this.jsPath(file), emitJs(file, mutatedSource));
    return () => writeFileSync(this.jsPath(file), f.js);
  }
}
