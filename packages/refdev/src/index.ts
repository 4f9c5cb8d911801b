export type { RefdevConfig, RefdevDeviceConfig, RefdevMemoryConfig, RefdevLinkConfig } from './config.js';
export { defaultConfig, parseConfig, RefdevConfigError } from './config.js';
export type { RefdevLayout } from './server.js';
export { Refdev, layoutOf } from './server.js';
export type { StartOptions, RefdevProcess } from './launcher.js';
export { startRefdev, startDetachedRefdev, stopDetachedRefdev, findRefdev, RefdevStartError } from './launcher.js';
export { refdevManifest } from './manifest.js';
export { crc32c, OPCODE_WORDS, STATUS } from './functions.js';
