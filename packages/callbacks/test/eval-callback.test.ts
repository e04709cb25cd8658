import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { CustomCallback, type LayersModel } from '@tensorflow/tfjs-layers';
import { RecallAtK } from '@tfsim/retrieval-metrics';
import { describeEachBackend, expectNoLeak, tempDir } from '@tfsim/test-utils';

import { EvalCallback, type EvalCallbackOptions } from '../src';
import { f32, IDENTITY, linearModel, QUERIES, QUERY_LABELS, setKernel, STRETCH, TARGET_LABELS, TARGETS } from './fixture';
import { readScalars } from './tfevents';

/** The callback on the fixture, attached to `model`, silent unless asked. */
function fixtureCallback(model: LayersModel, options: EvalCallbackOptions = {}): EvalCallback {
  const cb = new EvalCallback(QUERIES, QUERY_LABELS, TARGETS, TARGET_LABELS, { verbose: false, ...options });
  cb.setModel(model);
  return cb;
}

describeEachBackend('EvalCallback', ({ backend }) => {
  let model: LayersModel;
  beforeAll(() => {
    model = linearModel();
  });
  afterAll(() => model.dispose());
  beforeEach(() => setKernel(model, IDENTITY));

  it('adds binary accuracy of the nearest neighbour to the logs by default (as in Python)', async () => {
    const logs: Record<string, number> = { loss: 0.5 };
    await fixtureCallback(model).onEpochEnd(0, logs);
    // 3 of 5 queries have a nearest neighbour of their class; threshold Infinity matches all.
    expect(logs).toEqual({ loss: 0.5, binary_accuracy: f32(3 / 5) });
  });

  it('computes every metric asked for, in order, at threshold Infinity', async () => {
    const values = await fixtureCallback(model, { metrics: ['binary_accuracy', 'f1score', 'precision', 'recall'] }).evaluate(0);
    // tp = 3, fp = 2, fn = tn = 0
    expect(Object.keys(values)).toEqual(['binary_accuracy', 'f1score', 'precision', 'recall']);
    expect(values.binary_accuracy).toBeCloseTo(3 / 5, 6);
    expect(values.f1score).toBeCloseTo(6 / 8, 6);
    expect(values.precision).toBeCloseTo(3 / 5, 6);
    expect(values.recall).toBe(1);
  });

  it('logs the values at the smallest distance threshold, as Python does', async () => {
    const cb = fixtureCallback(model, { metrics: ['binary_accuracy', 'f1score', 'precision'], distanceThresholds: [Infinity, 0.02] });
    const values = await cb.evaluate(0);
    // At 0.02: q0, q1, q3 right and within (tp 3), q4 wrong at 0.0194 (fp 1), q2 wrong at 0.0238 (tn 1).
    expect(values.binary_accuracy).toBeCloseTo(3 / 5, 6);
    expect(values.f1score).toBeCloseTo(6 / 7, 6);
    expect(values.precision).toBeCloseTo(3 / 4, 6);
  });

  it('splits known and unknown classes with the Python names and order, retrieval metrics included', async () => {
    const cb = fixtureCallback(model, {
      metrics: ['binary_accuracy', 'f1score'],
      knownClasses: [0, 1, 2],
      k: 2,
      retrievalMetrics: [new RecallAtK({ k: 2 })],
    });
    const values = await cb.evaluate(0);
    expect(Object.keys(values)).toEqual([
      'binary_accuracy_known_classes',
      'f1score_known_classes',
      'binary_accuracy_unknown_classes',
      'f1score_unknown_classes',
      'recall@2_known_classes',
      'recall@2_unknown_classes',
    ]);
    // known q0..q3: tp 3, fp 1; unknown q4: fp 1. Every known query has its class in its 2 neighbours.
    expect(values.binary_accuracy_known_classes).toBeCloseTo(3 / 4, 6);
    expect(values.f1score_known_classes).toBeCloseTo(6 / 7, 6);
    expect(values.binary_accuracy_unknown_classes).toBe(0);
    expect(values.f1score_unknown_classes).toBe(0);
    expect(values['recall@2_known_classes']).toBe(1);
    expect(values['recall@2_unknown_classes']).toBe(0);

    const whole = await fixtureCallback(model, { k: 2, metrics: [], retrievalMetrics: [new RecallAtK({ k: 2 })] }).evaluate(0);
    expect(whole).toEqual({ 'recall@2': f32(4 / 5) });
  });

  it('embeds with the model as it is at each epoch end', async () => {
    const cb = fixtureCallback(model, { metrics: ['binary_accuracy', 'f1score'] });
    const first = await cb.evaluate(0);
    setKernel(model, STRETCH);
    const second = await cb.evaluate(1);
    expect(first.binary_accuracy).toBeCloseTo(3 / 5, 6);
    // Stretched, q2 finds t1: tp 4, fp 1.
    expect(second.binary_accuracy).toBeCloseTo(4 / 5, 6);
    expect(second.f1score).toBeCloseTo(8 / 9, 6);
  });

  it('leaves no tensor behind across epochs, from arrays or tensors', async () => {
    const fromArrays = fixtureCallback(model, { k: 2, knownClasses: [0, 1, 2], retrievalMetrics: [new RecallAtK({ k: 2 })] });
    const q = tf.tensor2d(QUERIES);
    const t = tf.tensor2d(TARGETS);
    const ql = tf.tensor1d(QUERY_LABELS, 'int32');
    const fromTensors = new EvalCallback(q, ql, t, TARGET_LABELS, { verbose: false, batchSize: 2 });
    fromTensors.setModel(model);
    for (let epoch = 0; epoch < 3; epoch++) {
      await expectNoLeak(() => fromArrays.evaluate(epoch));
      const values = await expectNoLeak(() => fromTensors.evaluate(epoch));
      expect(values.binary_accuracy).toBeCloseTo(3 / 5, 6);
    }
    expect(q.isDisposed || t.isDisposed || ql.isDisposed).toBe(false);
    tf.dispose([q, t, ql]);
  });

  const jsonlDir = tempDir();
  it('prints one line per epoch and appends one JSON object per epoch', async () => {
    const dir = jsonlDir;
    const jsonlPath = join(dir, 'runs', 'eval.jsonl');
    const lines: string[] = [];
    const cb = fixtureCallback(model, { metrics: ['binary_accuracy', 'f1score'], verbose: true, print: (l) => lines.push(l), jsonlPath });
    const started = Date.now();
    await cb.evaluate(0);
    setKernel(model, STRETCH);
    await cb.evaluate(1);
    expect(lines).toEqual([
      'eval epoch 1 - binary_accuracy: 0.6000 - f1score: 0.7500',
      'eval epoch 2 - binary_accuracy: 0.8000 - f1score: 0.8889',
    ]);
    const records = readFileSync(jsonlPath, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { epoch: number; timestamp: string; metrics: Record<string, number> });
    expect(records.map((r) => r.epoch)).toEqual([0, 1]);
    expect(records[0]!.metrics).toEqual({ binary_accuracy: f32(3 / 5), f1score: 0.75 });
    expect(records[1]!.metrics.binary_accuracy).toBe(f32(4 / 5));
    expect(records[1]!.metrics.f1score).toBeCloseTo(8 / 9, 6);
    for (const r of records) {
      const t = Date.parse(r.timestamp);
      expect(t).toBeGreaterThanOrEqual(started - 1000);
      expect(t).toBeLessThanOrEqual(Date.now());
    }
  });

  if (backend === 'tensorflow') {
    const tbDir = tempDir();
    it('writes TensorBoard scalars to <tbLogdir>/index: tag = metric, step = epoch', async () => {
      const dir = tbDir;
      const cb = fixtureCallback(model, { metrics: ['binary_accuracy', 'f1score'], knownClasses: [0, 1, 2], tbLogdir: dir });
      // The writer's resource handle is the one tensor that outlives an epoch.
      await expectNoLeak(() => cb.evaluate(0), 1);
      setKernel(model, STRETCH);
      await expectNoLeak(() => cb.evaluate(1));
      const files = readdirSync(join(dir, 'index')).filter((f) => f.startsWith('events.out.tfevents.'));
      expect(files).toHaveLength(1);
      const scalars = readScalars(join(dir, 'index', files[0]!));
      // Stretched (epoch 1), known q0..q3 are all right: tp 4; unknown q4 still wrong.
      expect(scalars).toEqual([
        { step: 0, tag: 'binary_accuracy_known_classes', value: f32(3 / 4) },
        { step: 0, tag: 'f1score_known_classes', value: expect.closeTo(6 / 7, 6) },
        { step: 0, tag: 'binary_accuracy_unknown_classes', value: 0 },
        { step: 0, tag: 'f1score_unknown_classes', value: 0 },
        { step: 1, tag: 'binary_accuracy_known_classes', value: 1 },
        { step: 1, tag: 'f1score_known_classes', value: 1 },
        { step: 1, tag: 'binary_accuracy_unknown_classes', value: 0 },
        { step: 1, tag: 'f1score_unknown_classes', value: 0 },
      ]);
    });
  } else {
    const tbDir = tempDir();
    it('without the native backend, says once why TensorBoard is off and goes on', async () => {
      const dir = tbDir;
      const warnings: string[] = [];
      const cb = fixtureCallback(model, { tbLogdir: dir, warn: (m) => warnings.push(m) });
      const logs: Record<string, number> = {};
      await cb.onEpochEnd(0, logs);
      await cb.onEpochEnd(1, logs);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(
        `needs the native "tensorflow" backend of @tensorflow/tfjs-node, but the active backend is "${backend}"`,
      );
      expect(existsSync(join(dir, 'index'))).toBe(false);
      expect(logs.binary_accuracy).toBe(f32(3 / 5));
    });
  }

  it('puts its values into the history of model.fit, recomputed each epoch', async () => {
    const fitted = linearModel();
    fitted.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const lines: string[] = [];
    const cb = new EvalCallback(QUERIES, QUERY_LABELS, TARGETS, TARGET_LABELS, {
      metrics: ['binary_accuracy', 'f1score'],
      print: (l) => lines.push(l),
    });
    const stretchAtSecondEpoch = new CustomCallback({
      onEpochBegin: async (epoch) => {
        if (epoch === 1) setKernel(fitted, STRETCH);
      },
    });
    const x = tf.tensor2d(QUERIES);
    const history = await fitted.fit(x, x, { epochs: 2, batchSize: 5, verbose: 0, callbacks: [stretchAtSecondEpoch, cb] });
    expect(history.history.binary_accuracy).toEqual([f32(3 / 5), f32(4 / 5)]);
    expect(history.history.f1score![0]).toBeCloseTo(6 / 8, 6);
    expect(history.history.f1score![1]).toBeCloseTo(8 / 9, 6);
    expect(history.history.loss).toHaveLength(2);
    expect(lines).toEqual([
      'eval epoch 1/2 - binary_accuracy: 0.6000 - f1score: 0.7500',
      'eval epoch 2/2 - binary_accuracy: 0.8000 - f1score: 0.8889',
    ]);
    x.dispose();
    fitted.dispose();
  });
});
