import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as tfl from '@tensorflow/tfjs-layers';
import { type TestBackend, testBackends } from '@tfsim/test-utils';

import type { SimilarityGraph } from '../src';

/**
 * The fastest backend here (native TensorFlow when it loads, else wasm, else
 * cpu): the full-size backbones are built and run on it only, to keep the
 * package's tests well under a minute.
 */
export function fastestBackend(): TestBackend {
  return testBackends()[0]!;
}

/** The fastest backend that has every gradient kernel (wasm lacks Conv2DBackpropFilter). */
export function fastestTrainingBackend(): TestBackend {
  return testBackends().find((b) => b !== 'wasm') ?? 'cpu';
}

export function graphModel(graph: SimilarityGraph): tfl.LayersModel {
  return tfl.model({ inputs: graph.inputs, outputs: graph.outputs, name: graph.name });
}

export interface ReferenceCount {
  total: number;
  trainable: number;
  output_shape: (number | null)[];
}

/** test/fixtures/reference-counts.json, written by tools/reference/architectures_counts_reference.py from the Python library. */
export const REFERENCE_COUNTS = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'reference-counts.json'), 'utf8')) as Record<
  string,
  ReferenceCount
>;

export interface KerasCase {
  params: number;
  width?: number;
  depth?: number;
  inputShape: number[];
  input: number[];
  outputShape: number[];
  output: number[];
}

export function readKerasCase(dir: string): KerasCase {
  return JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as KerasCase;
}
