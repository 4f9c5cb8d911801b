import { defineConfig } from 'vitest/config';

// Packing, linting and API Extractor over a dozen packages on a busy 2-core machine take minutes, not seconds;
// these are ceilings for a hang, not speed targets.
export default defineConfig({
  test: { testTimeout: 600_000, hookTimeout: 900_000 },
});
