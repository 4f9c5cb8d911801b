/**
 * The kmod mutants recorded in equivalent.json: equivalent ones (no client can tell them from the module)
 * and unreachable ones (only a failed kernel allocation reaches them, and the pinned kernel has no fault
 * injection), each with its reason. run.mjs draws them like any other mutant but neither runs nor counts them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mutantKey } from '../source-mutants.mjs';

export const RECORDED = JSON.parse(readFileSync(join(import.meta.dirname, 'equivalent.json'), 'utf8')).mutants;

/** The record of a mutant, by file and text, and by line too where one text stands on several lines. */
export function recordOf(m) {
  return RECORDED.find((e) => mutantKey(e) === mutantKey(m) && (e.line === undefined || e.line === m.line));
}
