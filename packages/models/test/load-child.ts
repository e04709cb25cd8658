/**
 * Loads a saved SimilarityModel in a fresh process and prints, as JSON, what
 * the save/load test compares: predictions (raw float32 bytes), lookups,
 * calibration and matches. Usage: tsx --conditions=@tfsim/source load-child.ts <dir> <backend>
 */
import * as tf from '@tensorflow/tfjs-core';
import { testBackends } from '@tfsim/test-utils';

import { loadModel } from '../src/similarity-model';
import { type Snapshot, snapshot } from './snapshot';

async function main(): Promise<void> {
  const [dir, backend] = process.argv.slice(2) as [string, string];
  testBackends();
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} does not load`);
  await tf.ready();
  const model = await loadModel(dir);
  const out: Snapshot & { backend: string } = { backend: tf.getBackend(), ...(await snapshot(model)) };
  process.stdout.write(JSON.stringify(out));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
