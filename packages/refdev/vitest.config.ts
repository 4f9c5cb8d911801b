import { defineConfig } from 'vitest/config';

// These tests start refdev processes and wait for conditions under generous deadlines of their own; the
// per-test limit only catches a hang, so it is far above what a busy 2-core machine needs.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } });
