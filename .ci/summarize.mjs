// Reads every package's vitest JSON report and prints one line "N passed, N failed".
// A package with tests but no fresh report (its build or test run crashed) counts as one failure.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const since = Number(process.argv[2] ?? 0) * 1000;
// The kernel job counts as one test: 'passed' or 'failed' (absent when not run).
const kernel = process.argv[3];
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const dirs = Object.keys(lock.packages).filter((p) => p && !p.includes('node_modules'));
let passed = 0;
let failed = 0;
for (const dir of dirs) {
  const pkgFile = join(root, dir, 'package.json');
  if (!existsSync(pkgFile) || !JSON.parse(readFileSync(pkgFile, 'utf8')).scripts?.test) continue;
  const report = join(root, dir, '.vitest-report.json');
  if (!existsSync(report) || statSync(report).mtimeMs < since - 1000) {
    console.log(`${dir}: no test report (build or test run failed before reporting)`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  // A suite that failed to load has no failed tests but is a failure.
  failed += (r.testResults ?? []).filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  if (r.numFailedTests > 0) console.log(`${dir}: ${r.numFailedTests} failed`);
  // Name each failure with the first line of its message: CI keeps only the tail of the log.
  for (const file of r.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if (t.status !== 'failed') continue;
      const first = String(t.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 300);
      console.log(`  FAILED ${dir}/${file.name.slice(file.name.indexOf(dir) + dir.length + 1)} > ${t.fullName}: ${first}`);
    }
  }
}
// The residue check (.ci/residue.mjs: no process or temporary file outlived the tests) counts as one too.
const residue = process.argv[4];
if (residue === 'passed') passed += 1;
if (residue === 'failed') {
  console.log('residue check failed: a process or temporary file outlived the tests');
  failed += 1;
}
if (kernel === 'passed') passed += 1;
if (kernel === 'failed') {
  console.log('kernel conformance job failed');
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
