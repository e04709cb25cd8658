/**
 * Builds every configuration of test/fixtures/reference-counts.json (the
 * Python library's counts, from tools/reference/architectures_counts_reference.py) and compares the
 * total and trainable parameter counts, EfficientNet B0 to B7 included (the
 * test suite leaves out the large variants to stay fast).
 *
 *     pnpm exec tsx packages/architectures/tools/check-counts.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as tfl from '@tensorflow/tfjs-layers';
import { setupBackend } from '@tfsim/utils';

import {
  buildEfficientNetSim,
  buildResNet18Sim,
  buildResNet50Sim,
  countTrainableParams,
  type EfficientNetVariant,
  type SimilarityGraph,
} from '../src';

const reference = JSON.parse(readFileSync(join(__dirname, '..', 'test', 'fixtures', 'reference-counts.json'), 'utf8')) as Record<
  string,
  { total: number; trainable: number }
>;

/** The builder call a fixture key describes, e.g. `EfficientNetSim(variant=B3, trainable=full)`. */
async function build(key: string): Promise<SimilarityGraph | undefined> {
  const shape: [number, number, number] = [32, 32, 3];
  const arg = (name: string): string | undefined => new RegExp(`${name}=([\\w]+)`).exec(key)?.[1];
  if (key.includes('weights=file')) return undefined; // needs a weights folder: see weights.test.ts
  if (key.startsWith('ResNet18Sim')) {
    return buildResNet18Sim(shape, {
      embeddingSize: arg('embedding_size') ? Number(arg('embedding_size')) : undefined,
      l2Norm: arg('l2_norm') ? arg('l2_norm') === 'True' : undefined,
      pooling: arg('pooling') === 'None' ? null : undefined,
    });
  }
  const trainable = arg('trainable') as 'full' | 'partial' | 'frozen';
  const includeTop = arg('include_top') ? arg('include_top') === 'True' : undefined;
  if (key.startsWith('ResNet50Sim')) return buildResNet50Sim(shape, { trainable, includeTop });
  if (key.startsWith('EfficientNetSim')) return buildEfficientNetSim(shape, { trainable, variant: arg('variant') as EfficientNetVariant });
  return undefined;
}

async function main(): Promise<void> {
  console.log((await setupBackend()).summary);
  let failures = 0;
  for (const [key, expected] of Object.entries(reference)) {
    if (key.startsWith('_')) continue;
    const graph = await build(key);
    if (!graph) continue;
    const model = tfl.model({ inputs: graph.inputs, outputs: graph.outputs });
    const got = { total: model.countParams(), trainable: countTrainableParams(model) };
    const ok = got.total === expected.total && got.trainable === expected.trainable;
    if (!ok) failures += 1;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${key}: ${got.total} / ${got.trainable} (Python ${expected.total} / ${expected.trainable})`);
    model.dispose();
  }
  process.exitCode = failures > 0 ? 1 : 0;
}

void main();
