// A stress client for a 2.0 node: QUEUES doorbell queues on one bound file, COMMANDS commands each, the load
// of stress-rounds.ts on a GEM object of memory region 0 per queue. argv and output as clients/stress.ts:
// node PATH QUEUES COMMANDS SEED [progress|quiet [WAIT_MS]].
import { openAccelDevice } from '@openaccel/driver';
import { endWithParent, sayStarted } from './lifeline.js';
import { runStressRounds } from './stress-rounds.js';

endWithParent();
sayStarted();
const [path, queuesArg, commandsArg, seedArg, progressArg, waitArg] = process.argv.slice(2);
const dev = openAccelDevice(path!);
dev.bind();
const align = Math.max(dev.queryMemory(0).allocAlign, 1);
const queues = Array.from({ length: Number(queuesArg) }, () => dev.createQueue({ sqEntries: 64 }));
const handles = queues.map(() => dev.gemCreate({ memoryId: 0, size: Math.ceil(4096 / align) * align }).handle);
runStressRounds({ queues, handles, commands: Number(commandsArg), seed: Number(seedArg), progress: progressArg === 'progress', waitMs: Number(waitArg ?? 20000) });
dev.close();
process.exit(0);
