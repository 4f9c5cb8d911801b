/** One thing wrong with one package, found by one check. */
export interface Problem {
  /** The package name, or "(repository)" for a problem of the repository as a whole. */
  pkg: string;
  /** Which check found it: publint, attw, manifest, tarball, require, turbo or api-report. */
  check: string;
  message: string;
}

export const REPOSITORY = '(repository)';
