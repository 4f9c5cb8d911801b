#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { CHECKS, type CheckName, checkPackages } from './check.js';
import { writeApiReference } from './api-reference.js';
import { withTempDir } from './temp-dir.js';
import { findRepoRoot } from './workspaces.js';

const USAGE = `usage: openaccel-package-check [--only CHECK,...] [--update-api-reports] [--api-reference DIR] [--json]

Packs every publishable workspace into a temporary folder and checks the tarballs as npm would publish them.
Checks: ${CHECKS.join(', ')}.
  --only CHECK,...        run only these checks
  --update-api-reports    rewrite each package's etc/<name>.api.md from its built declarations
  --api-reference DIR     write the Markdown API reference (from the TSDoc comments) into DIR
  --json                  print {"format":"openaccel-package-check/1", ...} instead of text
Exit status: 0 no problem, 1 problems found, 2 the check could not run.`;

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        only: { type: 'string' },
        'update-api-reports': { type: 'boolean' },
        'api-reference': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const only = args.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((c) => !(CHECKS as readonly string[]).includes(c)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`unknown check: ${unknown.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const root = findRepoRoot(process.cwd());
  const json = args.json === true;
  const run = (docModelDir?: string) =>
    checkPackages(root, {
      ...(only ? { only: new Set(only as CheckName[]) } : {}),
      updateApiReports: args['update-api-reports'] === true,
      ...(docModelDir ? { docModelDir } : {}),
      onStep: json ? undefined : (s) => process.stderr.write(`package-check: ${s}\n`),
    });
  const outDir = args['api-reference'];
  const result = outDir
    ? await withTempDir('openaccel-doc-model', async (models) => {
        const r = await run(models);
        if (r.problems.length === 0) writeApiReference(models, outDir);
        return r;
      })
    : await run();
  if (json) {
    process.stdout.write(`${JSON.stringify({ format: 'openaccel-package-check/1', ...result }, null, 2)}\n`);
  } else {
    for (const p of result.problems) process.stdout.write(`${p.pkg}: ${p.check}: ${p.message}\n`);
    const n = result.problems.length;
    const verdict = n === 0 ? 'clean' : `${n} problem${n === 1 ? '' : 's'}`;
    process.stdout.write(`${result.packages.length} packages, checks ${result.checks.join(' ')}: ${verdict}\n`);
    if (outDir && result.problems.length === 0) process.stdout.write(`API reference written to ${outDir}\n`);
  }
  return result.problems.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`package-check: could not run: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
