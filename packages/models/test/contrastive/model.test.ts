import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { input, layers, type LayersModel, model, regularizers, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { SimCLRLoss, SimSiamLoss, simsiamLoss, VicReg } from '@tfsim/losses';
import { ContrastiveAugmenter } from '@tfsim/samplers';
import { describeEachBackend, expectClose, tempDir, testBackends } from '@tfsim/test-utils';
import { ShapeError, StateError, UnknownNameError, ValueError } from '@tfsim/utils';

import { ContrastiveModel, createContrastiveModel, getProjector } from '../../src';
import { FEATURES, mlpBackbone, nuisanceAugmenter, syntheticData } from './fixture';

const [fastest] = testBackends();

function smallSimSiam(seed = 3): ContrastiveModel {
  return createContrastiveModel(mlpBackbone(seed, 8), { algorithm: 'simsiam', projectorDim: 8, predictorHiddenDim: 16, seed });
}

function views(seed: number, rows = 12): [tf.Tensor2D, tf.Tensor2D] {
  const data = syntheticData(seed, 4, rows / 4);
  const x = tf.tensor2d(data.x, [data.n, FEATURES]);
  const [a, b] = nuisanceAugmenter(seed)(x, undefined, 2);
  x.dispose();
  return [a as tf.Tensor2D, b as tf.Tensor2D];
}

async function gradsOf(f: () => tf.Scalar, vars: tf.Variable[]): Promise<Float32Array[]> {
  const { value, grads } = tf.variableGrads(f, vars);
  const out = vars.map((v) => (grads[v.name] ? (grads[v.name]!.dataSync().slice() as Float32Array) : new Float32Array(v.size)));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describeEachBackend('ContrastiveModel stop-gradient (SimSiam)', ({ tol }) => {
  it('the targets get no gradient: d loss / d z1 and d z2 are zero, d p1 and d p2 are those of the plain SimSiam loss', () => {
    const model = smallSimSiam();
    model.compile({ optimizer: 'sgd' });
    const [z1, z2, p1, p2] = [1, 2, 3, 4].map((s) => tf.randomNormal([6, 5], 0, 1, 'float32', s) as tf.Tensor2D);
    // The engine's gradients with allowNoGradients: an input no path reaches gets null (tf.grads would throw).
    const { value, grads } = tf.engine().gradients(() => model.viewsLoss(z1!, z2!, p1!, p2!), [z1!, z2!, p1!, p2!], undefined, true);
    const [gz1, gz2, gp1, gp2] = grads;
    // Absent or zero: nothing flows back through the stop-gradient.
    for (const g of [gz1, gz2]) if (g) expectClose(g, new Array(30).fill(0), 0);
    expect(() => tf.grad((z: tf.Tensor) => model.viewsLoss(z as tf.Tensor2D, z2!, p1!, p2!))(z1!)).toThrow(/Cannot compute gradient/);
    value.dispose();
    // d/dp2 of mean(simsiam(z1, p2)): the plain loss with z1 as a constant.
    const refP2 = tf.grad((p: tf.Tensor) => tf.mean(simsiamLoss(z1!, p as tf.Tensor2D)))(p2!);
    const refP1 = tf.grad((p: tf.Tensor) => tf.mean(simsiamLoss(z2!, p as tf.Tensor2D)))(p1!);
    expectClose(gp2!, refP2, tol);
    expectClose(gp1!, refP1, tol);
    expect(Math.max(...Array.from(gp2!.dataSync()).map(Math.abs))).toBeGreaterThan(1e-3);
    tf.dispose([z1!, z2!, p1!, p2!, gp1!, gp2!, refP1, refP2, ...(gz1 ? [gz1] : []), ...(gz2 ? [gz2] : [])]);
    model.dispose();
  });

  it("the model's gradient equals the gradient with the projector outputs frozen into constants, and differs without the stop", async () => {
    const model = smallSimSiam(5);
    model.compile({ optimizer: 'sgd' });
    const [v1, v2] = views(8);
    const vars = model.trainableVariables();
    const sub = (m: LayersModel, x: tf.Tensor) => m.apply(x, { training: true }) as tf.Tensor2D;
    const loss = new SimSiamLoss();
    // The projector outputs (training mode, batch statistics) as constants.
    const [c1, c2] = tf.tidy(() => [sub(model.projector, sub(model.backbone, v1)), sub(model.projector, sub(model.backbone, v2))]);
    const frozen1 = tf.tensor2d(c1!.arraySync());
    const frozen2 = tf.tensor2d(c2!.arraySync());

    const ofModel = await gradsOf(() => model.computeLoss(v1, v2, { training: true }), vars);
    const withConstants = await gradsOf(() => {
      const p1 = sub(model.predictor!, sub(model.projector, sub(model.backbone, v1)));
      const p2 = sub(model.predictor!, sub(model.projector, sub(model.backbone, v2)));
      return tf.add(loss.call(frozen1, p2), loss.call(frozen2, p1)) as tf.Scalar;
    }, vars);
    const withoutStop = await gradsOf(() => {
      const z1 = sub(model.projector, sub(model.backbone, v1));
      const z2 = sub(model.projector, sub(model.backbone, v2));
      return tf.add(loss.call(z1, sub(model.predictor!, z2)), loss.call(z2, sub(model.predictor!, z1))) as tf.Scalar;
    }, vars);
    // Every trainable weight of backbone, projector and predictor gets a gradient.
    expect(vars).toHaveLength(
      model.backbone.trainableWeights.length + model.projector.trainableWeights.length + model.predictor!.trainableWeights.length,
    );
    let differs = 0;
    ofModel.forEach((g, i) => {
      expectClose(g, withConstants[i]!, Math.max(tol, 1e-5));
      const gap = Math.max(...g.map((v, j) => Math.abs(v - withoutStop[i]![j]!)));
      if (gap > 1e-4) differs++;
    });
    // Without the stop, the backbone and projector weights get other gradients.
    expect(differs).toBeGreaterThanOrEqual(model.backbone.trainableWeights.length);
    tf.dispose([v1, v2, c1!, c2!, frozen1, frozen2]);
    model.dispose();
  });
});

describeEachBackend(
  'ContrastiveModel',
  () => {
    const dir = tempDir();

    it("uses each algorithm's loss by default, and the loss given", () => {
      const backbone = () => mlpBackbone(1, 8);
      const m1 = createContrastiveModel(backbone(), { algorithm: 'simclr', projectorDim: 8 });
      m1.compile();
      expect((m1.loss as SimCLRLoss).className).toBe('SimCLRLoss');
      const m2 = createContrastiveModel(backbone(), { algorithm: 'VicReg', projectorDim: 8 });
      m2.compile({ loss: new VicReg({ lambda: 10 }) });
      expect(m2.algorithm).toBe('vicreg');
      expect((m2.loss as VicReg).getConfig()).toMatchObject({ lambda: 10 });
      const m3 = createContrastiveModel(backbone(), { algorithm: 'barlow', projectorDim: 8 });
      m3.compile();
      expect((m3.loss as { className: string }).className).toBe('Barlow');
      // SimCLR's loss of the two projections, as Python's _forward_pass: loss(z1, z2).
      const [v1, v2] = views(2);
      const got = m1.computeLoss(v1, v2);
      const z = [v1, v2].map(
        (v) => m1.projector.apply(m1.backbone.apply(v, { training: false }) as tf.Tensor, { training: false }) as tf.Tensor2D,
      );
      const expected = new SimCLRLoss().call(z[0]!, z[1]!);
      expectClose(got, expected, 1e-5);
      tf.dispose([v1, v2, got, expected, ...z]);
      [m1, m2, m3].forEach((m) => m.dispose());
    });

    it('trains every algorithm: repeated steps on one pair of views lower its loss (Barlow, VicReg, SimCLR, SimSiam)', async () => {
      const [v1, v2] = views(12, 16);
      for (const algorithm of ['barlow', 'vicreg', 'simclr', 'simsiam']) {
        // Heads wide enough that no row's predictor hidden layer is all zero: the predictor's output
        // would then be its bias (0 at first), where L2-normalising has a gradient of about 1e6.
        const m = createContrastiveModel(mlpBackbone(4, 8), { algorithm, projectorDim: 16, predictorHiddenDim: 32, seed: 6 });
        const rate = { barlow: 1e-3, vicreg: 1e-3, simclr: 0.02, simsiam: 0.01 }[algorithm]!;
        m.compile({ optimizer: tf.train.sgd(rate) });
        const losses: number[] = [];
        for (let i = 0; i < 6; i++) losses.push((await m.trainStep(v1, v2)).loss);
        expect({ algorithm, lower: losses[5]! < losses[0]! }).toEqual({ algorithm, lower: true });
        m.dispose();
      }
      tf.dispose([v1, v2]);
    });

    it('takes a ContrastiveAugmenter (per-example views) with a tensor of examples', async () => {
      const data = syntheticData(5, 4, 8);
      const x = tf.tensor2d(data.x, [data.n, FEATURES]);
      // Each view: the example with its nuisance features scaled by a random factor.
      const augmenter = new ContrastiveAugmenter(
        (example, rng) =>
          tf.tidy(() => tf.mul(example, tf.tensor1d(Array.from({ length: FEATURES }, (_, j) => (j < 4 ? 1 : rng.uniform(-1, 1)))))),
        { seed: 3 },
      );
      const m = createContrastiveModel(mlpBackbone(2, 8), { algorithm: 'simclr', projectorDim: 8, seed: 1 });
      m.compile({ optimizer: 'adam' });
      const history = await m.fit(x, { augmenter, batchSize: 16, epochs: 2, verbose: false });
      // 32 examples in batches of 16: 2 steps per epoch, each finite.
      expect(history.history.loss).toHaveLength(2);
      expect(m.optimizer!.iterations).toBe(4);
      for (const l of history.history.loss!) expect(Number.isFinite(l)).toBe(true);
      m.dispose();
      x.dispose();
    });

    it('runs Keras-style callbacks (as EvalCallback uses them) and keeps what they log', async () => {
      const model = smallSimSiam();
      model.compile({ optimizer: 'sgd' });
      const [v1, v2] = views(7, 16);
      const calls: string[] = [];
      let seen: unknown;
      const callback = {
        setModel: (m: unknown) => void (seen = m),
        onTrainBegin: () => void calls.push('train begin'),
        onEpochBegin: (e: number) => void calls.push(`epoch ${e} begin`),
        onEpochEnd: async (e: number, logs?: Record<string, number>) => {
          calls.push(`epoch ${e} end`);
          // What EvalCallback does: embed with the model's predict, write a value into the logs.
          const embeddings = (seen as ContrastiveModel).predict(v1, { batchSize: 8 });
          logs!.mean_norm = tf.tidy(() => tf.mean(tf.norm(embeddings, 'euclidean', 1)).dataSync()[0]!);
          embeddings.dispose();
        },
        onTrainEnd: () => void calls.push('train end'),
      };
      const history = await model.fit([v1, v2], { epochs: 2, batchSize: 16, verbose: false, callbacks: [callback] });
      expect(seen).toBe(model);
      expect(calls).toEqual(['train begin', 'epoch 0 begin', 'epoch 0 end', 'epoch 1 begin', 'epoch 1 end', 'train end']);
      // Unit vectors: predict L2-normalises.
      expectClose(history.history.mean_norm!, [1, 1], 1e-5);
      tf.dispose([v1, v2]);
      model.dispose();
    });

    it('summary prints backbone, projector and predictor', () => {
      const m = smallSimSiam();
      const lines: string[] = [];
      m.summary((line) => lines.push(line));
      const text = lines.join('\n');
      expect(text).toMatch(
        /\[Backbone\][\s\S]*backbone_hidden[\s\S]*\[Projector\][\s\S]*projector_layer_0[\s\S]*\[Predictor\][\s\S]*predictor_layer_0/,
      );
      m.dispose();
    });

    it('predict: L2-normalised projector outputs in inference mode, batch by batch; or L2-normalised backbone outputs', () => {
      const model = smallSimSiam();
      const data = syntheticData(3, 4, 10);
      const x = tf.tensor2d(data.x, [40, FEATURES]);
      const embeddings = model.predict(x, { batchSize: 16 });
      const z = model.projector.apply(model.backbone.apply(x, { training: false }) as tf.Tensor, { training: false }) as tf.Tensor2D;
      const rows = z.arraySync().map((r) => {
        const n = Math.hypot(...r);
        return r.map((v) => v / n);
      });
      expect(embeddings.shape).toEqual([40, 8]);
      expectClose(embeddings, rows, 1e-5);
      const viaBackbone = new ContrastiveModel({
        backbone: model.backbone,
        projector: model.projector,
        predictor: model.predictor,
        embedding: 'backbone',
      });
      const h = viaBackbone.predict(x);
      const direct = tf.tidy(() => (model.backbone.apply(x) as tf.Tensor2D).arraySync()).map((r) => r.map((v) => v / Math.hypot(...r)));
      expectClose(h, direct, 1e-6);
      expect(viaBackbone.resolveEmbeddingOutput(null).embeddingSize).toBe(8);
      tf.dispose([x, embeddings, z, h]);
      model.dispose();
    });

    it("adds the sub-models' regularisation losses and reports them apart", async () => {
      const inputs = input({ shape: [FEATURES] });
      const out = layers
        .dense({ units: 8, kernelRegularizer: regularizers.l2({ l2: 0.01 }), kernelInitializer: 'ones' })
        .apply(inputs) as SymbolicTensor;
      const backbone = model({ inputs, outputs: out });
      const m = createContrastiveModel(backbone, { algorithm: 'simclr', projectorDim: 8, seed: 1 });
      m.compile({ optimizer: tf.train.sgd(0) });
      const [v1, v2] = views(4);
      const losses = m.computeLosses(v1, v2);
      // l2 factor 0.01 (Keras' default) on a kernel of ones: 0.01 * FEATURES * 8.
      expectClose(losses.regularizationLoss!, 0.01 * FEATURES * 8, 1e-4);
      expectClose(tf.sub(losses.loss, losses.contrastiveLoss), 0.01 * FEATURES * 8, 1e-4);
      const history = await m.fit([v1, v2], { epochs: 1, batchSize: 12, verbose: false });
      expect(Object.keys(history.history)).toEqual(expect.arrayContaining(['loss', 'contrastive_loss', 'regularization_loss']));
      expectClose(history.history.regularization_loss!, [0.01 * FEATURES * 8], 1e-4);
      tf.dispose([v1, v2, losses.loss, losses.contrastiveLoss, losses.regularizationLoss!]);
      m.dispose();
    });

    it('reports validation loss, and stops when asked', async () => {
      const model = smallSimSiam();
      model.compile({ optimizer: 'sgd' });
      const [v1, v2] = views(6, 16);
      const epochs: number[] = [];
      const history = await model.fit([v1, v2], {
        epochs: 5,
        batchSize: 8,
        validationData: [v2, v1],
        verbose: false,
        onEpochEnd: (epoch) => {
          epochs.push(epoch);
          if (epoch === 1) model.stopTraining = true;
        },
      });
      expect(epochs).toEqual([0, 1]);
      expect(history.history.val_loss).toHaveLength(2);
      // SimSiam's loss is symmetric in the two views, and inference mode is deterministic.
      const val = await model.evaluate([v1, v2], { batchSize: 8 });
      expectClose(history.history.val_loss![1]!, val.loss!, 1e-5);
      tf.dispose([v1, v2]);
      model.dispose();
    });

    it('saves and reloads backbone, projector, predictor, algorithm, loss and index; predictions bit for bit', async () => {
      const model = smallSimSiam(9);
      model.compile({ optimizer: 'adam', loss: new SimSiamLoss({ projectionType: 'cosine_distance', margin: 0.01 }) });
      const [v1, v2] = views(3, 16);
      await model.fit([v1, v2], { epochs: 2, batchSize: 8, verbose: false });
      await model.index(v1, [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3], null, { verbose: false });
      const target = path.join(dir, 'ssl');
      await model.save(target);
      expect(fs.readdirSync(target).sort()).toEqual(['backbone', 'index', 'manifest.json', 'predictor', 'projector']);
      const loaded = await ContrastiveModel.load(target);
      expect(loaded.algorithm).toBe('simsiam');
      expect((loaded.loss as SimSiamLoss).getConfig()).toEqual({ name: 'simsiam_loss', projectionType: 'cosine_distance', margin: 0.01 });
      const a = model.predict(v2);
      const b = loaded.predict(v2);
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      expect(await loaded.indexSize()).toBe(16);
      expect(await loaded.lookup(v2, 3, false)).toEqual(await model.lookup(v2, 3, false));
      // Training goes on after compile (the optimizer is not saved).
      loaded.compile({ optimizer: 'sgd' });
      const step = await loaded.trainStep(v1, v2);
      expect(Number.isFinite(step.loss)).toBe(true);
      // Without an index, without saving it.
      const bare = createContrastiveModel(mlpBackbone(1, 8), { algorithm: 'barlow', projectorDim: 8 });
      await bare.save(path.join(dir, 'bare'));
      expect(fs.readdirSync(path.join(dir, 'bare')).sort()).toEqual(['backbone', 'manifest.json', 'projector']);
      const bareLoaded = await ContrastiveModel.load(path.join(dir, 'bare'));
      expect(bareLoaded.predictor).toBeNull();
      expect(bareLoaded.loss).toBeNull();
      await expect(bare.save(path.join(dir, 'bare'), { overwrite: false })).rejects.toThrow(/exists and overwrite is false/);
      await expect(ContrastiveModel.load(path.join(dir, 'nothing'))).rejects.toThrow(/manifest.json is missing/);
      tf.dispose([v1, v2, a, b]);
      [model, loaded, bare, bareLoaded].forEach((m) => m.dispose());
    });
  },
  { only: fastest ? [fastest] : [] },
);

describe('ContrastiveModel errors', () => {
  const backbone = mlpBackbone(1, 8);
  const projector = getProjector(8, { dim: 8, numLayers: 1 });

  it('rejects an unknown option key with a suggestion', () => {
    expect(() => new ContrastiveModel({ back_bone: backbone, projector, algorithm: 'simclr' } as never)).toThrow(
      "unknown option 'back_bone' for ContrastiveModel; did you mean 'backbone'?",
    );
  });

  it('names unknown algorithms and lists the known ones', () => {
    expect(() => createContrastiveModel(backbone, { algorithm: 'byol' })).toThrow(UnknownNameError);
    expect(() => new ContrastiveModel({ backbone, projector, algorithm: 'moco' })).toThrow(
      'unknown contrastive algorithm "moco"; known contrastive algorithms: simsiam, simclr, barlow, vicreg',
    );
  });

  it('rejects a SimSiam model without predictor, heads that do not fit, and a predictor for other algorithms', () => {
    expect(() => new ContrastiveModel({ backbone, projector })).toThrow(/'simsiam' algorithm needs a predictor/);
    expect(() => new ContrastiveModel({ backbone, projector: getProjector(5, { dim: 8 }), algorithm: 'simclr' })).toThrow(
      'the projector takes 5 features but the backbone outputs 8',
    );
    expect(() => createContrastiveModel(backbone, { algorithm: 'simclr', predictor: projector })).toThrow(/uses no predictor/);
    expect(() => new ContrastiveModel({ backbone, projector, algorithm: 'simclr', embedding: 'predictor' as never })).toThrow(
      UnknownNameError,
    );
  });

  it('rejects mismatched views, wrong input shapes and training before compile', async () => {
    const m = new ContrastiveModel({ backbone, projector, algorithm: 'simclr' });
    const a = tf.zeros([4, FEATURES]);
    const b = tf.zeros([4, FEATURES - 1]);
    const c = tf.zeros([3, FEATURES]);
    await expect(m.trainStep(a, a)).rejects.toThrow(StateError);
    m.compile({ optimizer: 'sgd' });
    await expect(m.trainStep(a, b)).rejects.toThrow(
      `the two views must have the same shape, got [4, ${FEATURES}] and [4, ${FEATURES - 1}]`,
    );
    await expect(m.trainStep(a, c)).rejects.toThrow(ShapeError);
    await expect(m.trainStep(b, b)).rejects.toThrow(
      `the views have shape [4, ${FEATURES - 1}] but the backbone takes [batch, ${FEATURES}]`,
    );
    expect(() => m.predict(b)).toThrow(/the examples have shape/);
    await expect(m.fit([a, b], { verbose: false })).rejects.toThrow(/same shape/);
    tf.dispose([a, b, c]);
  });

  it('rejects data it cannot make two views from, and bad options', async () => {
    const m = new ContrastiveModel({ backbone, projector, algorithm: 'simclr' });
    m.compile({ optimizer: 'sgd' });
    const x = tf.zeros([4, FEATURES]);
    await expect(m.fit(x, { verbose: false })).rejects.toThrow(/needs an augmenter/);
    const threeViews = { stepsPerEpoch: 1, numAugmentationsPerExample: 3, generateBatch: async () => ({ xs: tf.zeros([6, FEATURES]) }) };
    await expect(m.fit(threeViews, { verbose: false })).rejects.toThrow(/the sampler makes 3/);
    const oddBatch = { stepsPerEpoch: 1, generateBatch: async () => ({ xs: tf.zeros([5, FEATURES]) }) };
    await expect(m.fit(oddBatch, { verbose: false })).rejects.toThrow(/even, non-zero number of rows/);
    await expect(m.fit(x, { augmenter: () => [x], verbose: false })).rejects.toThrow(/must return two views/);
    await expect(m.fit([x, x], { epochs: 0 })).rejects.toThrow(/epochs must be an integer >= 1/);
    expect(() => m.compile({ optimizer: 'lamb' as never })).toThrow(/unknown optimizer "lamb"/);
    expect(() => m.compile({ loss: 42 as never })).toThrow(ValueError);
    expect(() => m.resolveEmbeddingOutput(1)).toThrow(/one embedding output/);
    x.dispose();
  });
});
