export { main, usage, COMMANDS } from './main.js';
export type { Command, Output } from './command.js';
export { EXIT, UsageError } from './command.js';
export { checkClaims, type ClaimCheck } from './commands/manifest.js';
export { toDot } from './commands/topo.js';
