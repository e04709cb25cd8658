/**
 * The losses taken from pytorch-metric-learning (SupCon, Contrastive,
 * Proxy-Anchor) and ArcFace against pytorch-metric-learning itself (fixture
 * written by tools/reference/pml_losses_reference.py): loss, per-example
 * values where it has them, gradients w.r.t. embeddings and class weights.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { autodiffGradient, describeEachBackend, expectClose, expectNoLeak } from '@tfsim/test-utils';

import { ArcFaceLoss, ClassWeightsLoss, ContrastiveLoss, getLoss, type MetricLoss, ProxyAnchorLoss, SupConLoss } from '../src';

interface PmlCase {
  loss: string;
  config: Record<string, unknown>;
  batch: string;
  labels: number[];
  embeddings: number[][];
  weights?: number[][];
  perExample?: number[];
  mean: number;
  gradient: number[];
  weightsGradient?: number[];
}

const CASES = (JSON.parse(readFileSync(join(__dirname, 'fixtures', 'pml-reference.json'), 'utf8')) as { cases: PmlCase[] }).cases;
/** Two float32 engines; large scales (ArcFace's 64, Proxy-Anchor's 32) amplify rounding. */
const VALUE_TOL = { atol: 1e-5, rtol: 1e-5 };
const GRADIENT_TOL = { atol: 1e-4, rtol: 1e-3 };

function build(c: PmlCase): MetricLoss | ClassWeightsLoss {
  if (c.weights) {
    const initialWeights = tf.tensor2d(c.weights);
    const loss = getLoss(c.loss, { ...c.config, initialWeights }) as ClassWeightsLoss;
    initialWeights.dispose();
    return loss;
  }
  return getLoss(c.loss, c.config) as MetricLoss;
}

describeEachBackend('pytorch-metric-learning reference', () => {
  it.each(CASES.map((c) => [`${c.loss} ${JSON.stringify(c.config)} on ${c.batch}`, c] as const))('%s', async (_t, c) => {
    const labels = tf.tensor1d(c.labels, 'int32');
    const embeddings = tf.tensor2d(c.embeddings);
    const loss = build(c);
    await expectNoLeak(() => {
      const value = loss.call(labels, embeddings);
      expectClose(value, c.mean, VALUE_TOL);
      value.dispose();
      if (c.perExample && (loss instanceof SupConLoss || loss instanceof ArcFaceLoss)) {
        const per = loss.perExample(labels, embeddings);
        expectClose(per, c.perExample, VALUE_TOL);
        per.dispose();
      }
      if (loss instanceof ContrastiveLoss) {
        // Its per-example shares average to the loss.
        const per = loss.perExample(labels, embeddings);
        const mean = tf.mean(per);
        expectClose(mean, c.mean, VALUE_TOL);
        tf.dispose([per, mean]);
      }
      expectClose(
        autodiffGradient((x) => loss.call(labels, x), embeddings),
        c.gradient,
        GRADIENT_TOL,
      );
      if (c.weightsGradient && loss instanceof ClassWeightsLoss) {
        const { value: v, grads } = tf.variableGrads(() => loss.call(labels, embeddings) as tf.Scalar, loss.trainableWeights);
        expectClose(grads[loss.weights.name]!, c.weightsGradient, GRADIENT_TOL);
        tf.dispose([v, ...Object.values(grads)]);
      }
    });
    loss.dispose();
    tf.dispose([labels, embeddings]);
  });

  it('covers every loss taken from pytorch-metric-learning, and ArcFace', () => {
    expect([...new Set(CASES.map((c) => c.loss))].sort()).toEqual(
      ['ArcFaceLoss', 'ContrastiveLoss', 'ProxyAnchorLoss', 'SupConLoss'].sort(),
    );
    expect(ProxyAnchorLoss).toBeDefined();
  });
});
