export { main, usage, COMMANDS } from './main.js';
export type { Command, Output } from './command.js';
export { EXIT, UsageError } from './command.js';
export { toDot } from './commands/topo.js';
