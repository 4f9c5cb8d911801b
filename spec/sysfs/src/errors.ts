/** Why an attribute could not be read: it is missing, unreadable, or its content is not in the format the spec gives. */
export type SysfsProblemKind = 'missing' | 'unreadable' | 'format';

/**
 * A sysfs attribute that is absent where required, unreadable, or malformed. Carries the file and
 * what was expected, so discovery can report it and go on with the other attributes.
 */
export class SysfsError extends Error {
  constructor(
    readonly kind: SysfsProblemKind,
    /** The file, as a path under the sysfs root or absolute. */
    readonly file: string,
    /** What the spec allows, e.g. `unsigned decimal (%u)`. */
    readonly expected: string,
    /** What was there (truncated), or the OS error code for `unreadable`. */
    readonly found?: string,
  ) {
    super(
      kind === 'missing'
        ? `${file}: missing; expected ${expected}`
        : kind === 'unreadable'
          ? `${file}: cannot be read (${found ?? 'error'}); expected ${expected}`
          : `${file}: expected ${expected}, found ${JSON.stringify(found)}`,
    );
    this.name = 'SysfsError';
  }
}
