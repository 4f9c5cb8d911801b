/** What every accelctl command is: a name, its help, and a run function writing to an Output. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, fail: 1, usage: 2 } as const;

/** A mistake in how the command was called: exit 2 with the message and the command's usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Command {
  /** Words that select it, e.g. ['manifest', 'validate']. */
  readonly path: readonly string[];
  readonly summary: string;
  /** Full help: synopsis, options, examples. */
  readonly help: string;
  run(argv: string[], io: Output): Promise<number> | number;
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export const SYSFS_ROOT_OPTION = { 'sysfs-root': { type: 'string', default: '/sys' } } as const satisfies Options;

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const satisfies Options;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP_OPTION; allowPositionals: boolean; strict: true }>>;

/** Strict parsing: an unknown option or a missing value is a UsageError naming it. */
export function parse<O extends Options>(argv: string[], options: O, positionals = true): Parsed<O> {
  try {
    return parseArgs({ args: argv, options: { ...options, ...HELP_OPTION }, allowPositionals: positionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} takes an integer, got '${value}'`);
  return Number(value);
}

/** Pads columns of a table (first row is the header). */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** JSON for machines: versioned by a `schema` field, bigints as strings. */
export function json(schema: string, body: Record<string, unknown>): string {
  return JSON.stringify({ schema, ...body }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}
