import { resolve } from 'node:path';
import { packageBin, runOk } from './run.js';

/** api-documenter turns API Extractor's doc models (the TSDoc comments of every export) into Markdown. */
export function writeApiReference(docModelDir: string, outDir: string): void {
  const bin = packageBin('@microsoft/api-documenter', 'api-documenter');
  runOk(process.execPath, [bin, 'markdown', '--input-folder', docModelDir, '--output-folder', resolve(outDir)], docModelDir);
}
