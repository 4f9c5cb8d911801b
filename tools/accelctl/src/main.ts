/** Dispatch: pick the command by its words, print help, map errors to exit codes. */
import { readFileSync } from 'node:fs';
import { uapi } from '@openaccel/uapi';
import { EXIT, UsageError, type Command, type Output } from './command.js';
import { find } from './commands/find.js';
import { info } from './commands/info.js';
import { ls } from './commands/ls.js';
import { manifestCheck, manifestValidate } from './commands/manifest.js';
import { specDiff } from './commands/spec.js';
import { topo } from './commands/topo.js';
import { refdevStart, refdevStatus, refdevStop } from './commands/refdev.js';
import { benchDoorbell } from './commands/bench.js';
import { conformanceList, conformanceRun, refdevFaults } from './commands/conformance.js';
import { conformanceCoverage } from './commands/coverage.js';
import { DRA_COMMANDS } from './commands/dra.js';
import { fuzz } from './commands/fuzz.js';
import { stress } from './commands/stress.js';

export const COMMANDS: Command[] = [ls, info, topo, find, manifestValidate, manifestCheck, specDiff, refdevStart, refdevStatus, refdevStop, refdevFaults, benchDoorbell, conformanceRun, conformanceList, conformanceCoverage, fuzz, stress, ...DRA_COMMANDS];

export function usage(): string {
  const w = Math.max(...COMMANDS.map((c) => c.path.join(' ').length));
  return [
    'usage: accelctl <command> [options]     (accelctl <command> --help for its options and examples)',
    '       accelctl --version',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.path.join(' ').padEnd(w)}  ${c.summary}`),
    '',
    'exit status: 0 success, 1 a check failed or nothing was found, 2 usage error or could not run',
  ].join('\n');
}

/** The version of this accelctl and of the uAPI spec it speaks, read from the installed package.json. */
export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `accelctl ${pkg.version} (uAPI ${uapi.compiled.spec.version})`;
}

export async function main(argv: string[], io: Output): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V') {
    io.out(versionLine());
    return EXIT.ok;
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(usage());
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const cmd = COMMANDS.filter((c) => c.path.every((w, i) => argv[i] === w)).sort((a, b) => b.path.length - a.path.length)[0];
  if (!cmd) {
    const group = COMMANDS.filter((c) => c.path[0] === argv[0]);
    io.err(group.length ? `accelctl ${argv[0]}: say which: ${group.map((c) => c.path.join(' ')).join(', ')}` : `accelctl: unknown command '${argv[0]}'\n\n${usage()}`);
    return EXIT.usage;
  }
  const rest = argv.slice(cmd.path.length);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.help);
    return EXIT.ok;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`accelctl ${cmd.path.join(' ')}: ${e.message}\n\n${cmd.help.split('\n')[0]}`);
      return EXIT.usage;
    }
    io.err(`accelctl ${cmd.path.join(' ')}: ${(e as Error).message}`);
    return EXIT.usage;
  }
}
