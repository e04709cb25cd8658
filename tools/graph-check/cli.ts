/** `pnpm check:graph`: prints every package-graph and tests-mirror-src problem and exits non-zero if any. */
import * as path from 'node:path';

import { checkGraph, installedTfjsCoreCopies } from './graph';
import { checkMirror } from './mirror';

const rootDir = path.resolve(__dirname, '..', '..');
const problems = checkGraph(rootDir);
const tfjsCopies = installedTfjsCoreCopies(rootDir);
if (tfjsCopies.length !== 1) {
  problems.push(`expected one copy of @tensorflow/tfjs-core, found ${tfjsCopies.length}: ${tfjsCopies.join(', ')}`);
}
const mirror = checkMirror(rootDir);
for (const [what, found] of [
  ['package graph', problems],
  ['tests mirror src', mirror],
] as const) {
  if (found.length === 0) console.log(`${what}: ok`);
  else {
    console.error(`${what}: ${found.length} problem(s)`);
    for (const problem of found) console.error(`  - ${problem}`);
  }
}
if (problems.length + mirror.length > 0) process.exit(1);
