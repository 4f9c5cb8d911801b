#!/usr/bin/env node
import { main } from './main.js';

const code = await main(process.argv.slice(2), {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
});
process.exitCode = code;
