// A stress client for a 1.0 node: QUEUES queues on one context, COMMANDS commands each, the load of
// stress-rounds.ts on device memory. argv: node PATH QUEUES COMMANDS SEED [progress|quiet [WAIT_MS]]. With
// `progress` it prints {"round":N} after each round (the stress runner kills victims at a chosen round).
// Ends with one JSON line {ok, errors, completions}. WAIT_MS (default 20000) is how long a completion may
// take before it counts as lost.
import { openDevice } from '@openaccel/driver';
import { endWithParent, sayStarted } from './lifeline.js';
import { runStressRounds } from './stress-rounds.js';

endWithParent();
sayStarted();
const [path, queuesArg, commandsArg, seedArg, progressArg, waitArg] = process.argv.slice(2);
const dev = openDevice(path!);
const ctx = dev.openContext();
const queues = Array.from({ length: Number(queuesArg) }, () => ctx.createQueue({ sqEntries: 64 }));
const handles = queues.map(() => ctx.allocMemory(0, 4096));
runStressRounds({ queues, handles, commands: Number(commandsArg), seed: Number(seedArg), progress: progressArg === 'progress', waitMs: Number(waitArg ?? 20000) });
ctx.close();
process.exit(0);
