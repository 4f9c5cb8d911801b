import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import type { Problem } from './problem.js';
import type { Workspace } from './workspaces.js';

/** The command that rewrites the committed API reports; every drift message names it. */
export const UPDATE_COMMAND = 'npm run api:update';

/** Where a package's committed public API report lives, relative to its folder. */
export function reportPath(w: Workspace): string {
  return join('etc', `${w.manifest.name.replace(/^@[^/]+\//, '')}.api.md`);
}

function entryPoint(w: Workspace): string | undefined {
  const types = (w.manifest.exports as Record<string, { types?: string } | string> | undefined)?.['.'];
  return typeof types === 'object' ? types.types : w.manifest.types;
}

export interface ApiReportOptions {
  /** Rewrite the reports (and write the doc model) instead of comparing. */
  update: boolean;
  /** Folder for the reports the run produced, and for the doc model (`<name>.api.json`) when given. */
  tempDir: string;
  docModelDir?: string;
}

/**
 * Runs API Extractor on a built package: the public API its declaration entry point exports, compared with
 * (or written to) the committed report. Its TSDoc comments go into the doc model the reference is made from.
 */
export function apiReport(root: string, w: Workspace, options: ApiReportOptions): Problem[] {
  const name = w.manifest.name;
  const dir = join(root, w.dir);
  const entry = entryPoint(w);
  if (!entry) return [{ pkg: name, check: 'api-report', message: 'no "types" entry point to report on' }];
  const entryFile = join(dir, entry);
  if (!existsSync(entryFile)) return [{ pkg: name, check: 'api-report', message: `${entry} missing: build first` }];
  const report = reportPath(w);
  const reportExists = existsSync(join(dir, report));
  if (options.update) mkdirSync(join(dir, 'etc'), { recursive: true });
  const unscoped = name.replace(/^@[^/]+\//, '');
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: dir,
      mainEntryPointFilePath: entryFile,
      compiler: { tsconfigFilePath: join(dir, 'tsconfig.json') },
      apiReport: {
        enabled: true,
        reportFolder: join(dir, 'etc'),
        reportTempFolder: options.tempDir,
        reportFileName: `${unscoped}.api.md`,
      },
      docModel: options.docModelDir
        ? { enabled: true, apiJsonFilePath: join(options.docModelDir, `${unscoped}.api.json`) }
        : { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
        // Release tags (@public/@beta) are not used here: everything index.ts exports is public.
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.Warning },
          'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
        },
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(dir, 'package.json'),
  });
  const problems: Problem[] = [];
  const result = Extractor.invoke(config, {
    localBuild: options.update,
    messageCallback: (m) => {
      // Libraries print nothing: API Extractor's messages become problems or are dropped.
      if (m.logLevel === ExtractorLogLevel.Error) {
        problems.push({ pkg: name, check: 'api-report', message: m.formatMessageWithoutLocation() });
      }
      m.handled = true;
    },
  });
  if (!options.update && result.apiReportChanged) {
    problems.push({
      pkg: name,
      check: 'api-report',
      message: reportExists
        ? `the public API differs from ${w.dir}/${report}; if the change is meant, run \`${UPDATE_COMMAND}\` and commit the report`
        : `no public API report ${w.dir}/${report}; run \`${UPDATE_COMMAND}\` and commit it`,
    });
  }
  return problems;
}

/** The committed report, or undefined when there is none yet. */
export function readReport(root: string, w: Workspace): string | undefined {
  const file = join(root, w.dir, reportPath(w));
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
