import { defineConfig } from 'vitest/config';

// The leak report is proven by collecting garbage on demand.
export default defineConfig({ test: { pool: 'forks', execArgv: ['--expose-gc'] } });
