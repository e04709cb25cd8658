/** `pnpm check:graph`: prints every package-graph problem and exits non-zero if any. */
import * as path from 'node:path';
import { checkGraph, installedTfjsCoreCopies } from './graph';

const rootDir = path.resolve(__dirname, '..', '..');
const problems = checkGraph(rootDir);
const tfjsCopies = installedTfjsCoreCopies(rootDir);
if (tfjsCopies.length !== 1) {
  problems.push(`expected one copy of @tensorflow/tfjs-core, found ${tfjsCopies.length}: ${tfjsCopies.join(', ')}`);
}
if (problems.length > 0) {
  console.error(`package graph: ${problems.length} problem(s)`);
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}
console.log('package graph: ok');
