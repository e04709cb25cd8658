import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FreezableBatchNormalization } from '@tfsim/layers';
import { describeEachBackend, tempDir } from '@tfsim/test-utils';
import { FormatError, ShapeError, ValueError } from '@tfsim/utils';

import {
  allLayers,
  buildEfficientNetSim,
  buildResNet50Sim,
  countTrainableParams,
  createEfficientNetBackbone,
  createResNet18Backbone,
  loadWeights,
  readWeights,
  saveWeights,
  WEIGHTS_FORMAT,
} from '../src';
import { fastestBackend, graphModel, REFERENCE_COUNTS } from './helpers';

const SMALL = { width: 0.1, depth: 0.35 };
const dir = tempDir('tfsim-arch-weights-');

function weightValues(model: tfl.LayersModel): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const layer of allLayers(model)) for (const w of layer.weights) out.set(w.originalName, Float32Array.from(w.read().dataSync()));
  return out;
}

describeEachBackend(
  'backbone weights on disk',
  () => {
    it('saveWeights then loadWeights restores every weight bit for bit', async () => {
      const a = createEfficientNetBackbone([32, 32, 3], SMALL);
      const b = createEfficientNetBackbone([32, 32, 3], SMALL);
      await saveWeights(a, join(dir, 'small'));
      const json = JSON.parse(await fsp.readFile(join(dir, 'small', 'model.json'), 'utf8')) as { format: string };
      expect(json.format).toBe(WEIGHTS_FORMAT);
      const before = tf.memory().numTensors;
      const result = await loadWeights(b, join(dir, 'small', 'model.json'));
      expect(tf.memory().numTensors).toBe(before);
      expect(result).toEqual({ loaded: 198, unused: [] });
      const wa = weightValues(a);
      const wb = weightValues(b);
      expect([...wb.keys()]).toEqual([...wa.keys()]);
      for (const [name, values] of wa) expect(Array.from(wb.get(name)!)).toEqual(Array.from(values));
      // The int32 count of the Normalization layer survives too.
      expect(b.getLayer('normalization').getWeights()[2]!.dtype).toBe('int32');
      a.dispose();
      b.dispose();
    });

    it('reports stored weights the model does not use, and reads folders written by others', async () => {
      const stored = await readWeights(join(__dirname, 'fixtures', 'keras-efficientnet-small'));
      expect(Object.keys(stored)).toHaveLength(198);
      expect(stored['block1a_dwconv/depthwise_kernel']!.shape).toEqual([3, 3, 8, 1]);
      tf.dispose(Object.values(stored));
      const model = createEfficientNetBackbone([32, 32, 3], SMALL);
      const extra = tf.tensor2d([[1, 2]]);
      await tf.io
        .encodeWeights([
          ...allLayers(model).flatMap((l) => l.weights.map((w) => ({ name: w.originalName, tensor: w.read() }))),
          { name: 'predictions/kernel', tensor: extra },
        ])
        .then(async ({ data, specs }) => {
          await fsp.mkdir(join(dir, 'extra'), { recursive: true });
          await fsp.writeFile(join(dir, 'extra', 'weights.bin'), new Uint8Array(data as ArrayBuffer));
          await fsp.writeFile(
            join(dir, 'extra', 'model.json'),
            JSON.stringify({ weightsManifest: [{ paths: ['weights.bin'], weights: specs }] }),
          );
        });
      expect((await loadWeights(model, join(dir, 'extra'))).unused).toEqual(['predictions/kernel']);
      extra.dispose();
      model.dispose();
    });

    it('a folder for another network: FormatError naming the missing weights, model unchanged', async () => {
      const other = createResNet18Backbone([32, 32, 3]);
      await saveWeights(other, join(dir, 'resnet18'));
      other.dispose();
      const model = createEfficientNetBackbone([32, 32, 3], SMALL);
      const before = weightValues(model);
      await expect(loadWeights(model, join(dir, 'resnet18'))).rejects.toThrow(FormatError);
      await expect(loadWeights(model, join(dir, 'resnet18'))).rejects.toThrow(
        /lacks \d+ weight\(s\) of the model, e\.g\. normalization\/mean/,
      );
      const after = weightValues(model);
      for (const [name, values] of before) expect(Array.from(after.get(name)!)).toEqual(Array.from(values));
      model.dispose();
    });

    it('a shape mismatch: ShapeError naming the weight and both shapes, model unchanged', async () => {
      const wide = createEfficientNetBackbone([32, 32, 3], { width: 0.2, depth: 0.35 });
      await saveWeights(wide, join(dir, 'wide'));
      wide.dispose();
      const model = createEfficientNetBackbone([32, 32, 3], SMALL);
      const before = weightValues(model);
      await expect(loadWeights(model, join(dir, 'wide'))).rejects.toThrow(ShapeError);
      await expect(loadWeights(model, join(dir, 'wide'))).rejects.toThrow(
        /^weight \S+\/\w+: the model has shape \[[\d, ]+\], \S+ has \[[\d, ]+\]$/,
      );
      const after = weightValues(model);
      for (const [name, values] of before) expect(Array.from(after.get(name)!)).toEqual(Array.from(values));
      model.dispose();
    });

    it('bad locations and a bad manifest give clear errors', async () => {
      const model = createEfficientNetBackbone([32, 32, 3], SMALL);
      await expect(loadWeights(model, join(dir, 'nowhere'))).rejects.toThrow(/weights path .*nowhere does not exist/);
      await fsp.mkdir(join(dir, 'bad'), { recursive: true });
      await fsp.writeFile(join(dir, 'bad', 'model.json'), JSON.stringify({ modelTopology: {} }));
      await expect(loadWeights(model, join(dir, 'bad'))).rejects.toThrow(/has no valid weightsManifest/);
      await fsp.writeFile(join(dir, 'bad', 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['../x.bin'], weights: [] }] }));
      await expect(loadWeights(model, join(dir, 'bad'))).rejects.toThrow(/must stay inside the folder/);
      model.dispose();
    });

    it("'imagenet' explains how to get the weights instead of failing to download", async () => {
      await expect(buildResNet50Sim([32, 32, 3], { weights: 'imagenet' })).rejects.toThrow(ValueError);
      await expect(buildEfficientNetSim([32, 32, 3], { weights: 'imagenet' })).rejects.toThrow(/convert_keras_weights\.py/);
    });

    it('with weights: trainable defaults to frozen and batch normalisation is frozen, as in Python', async () => {
      const source = createEfficientNetBackbone([32, 32, 3], SMALL);
      await saveWeights(source, join(dir, 'pretrained'));
      source.dispose();
      const frozen = graphModel(await buildEfficientNetSim([32, 32, 3], { variant: SMALL, weights: join(dir, 'pretrained') }));
      // Only the embedding trains: 128 * 128 + 128 (the small network ends with 128 channels).
      expect(countTrainableParams(frozen)).toBe(128 * 128 + 128);
      const full = await buildEfficientNetSim([32, 32, 3], { variant: SMALL, weights: join(dir, 'pretrained'), trainable: 'full' });
      const bns = allLayers(full.backbone).filter((l) => l instanceof FreezableBatchNormalization);
      expect(bns.length).toBeGreaterThan(0);
      expect(bns.every((l) => !l.trainable)).toBe(true);
      expect(
        allLayers(full.backbone)
          .filter((l) => l.getClassName() === 'Conv2D')
          .every((l) => l.trainable),
      ).toBe(true);
      // The loaded values are in the backbone.
      const stored = await readWeights(join(dir, 'pretrained'));
      expect(Array.from(full.backbone.getLayer('stem_conv').getWeights()[0]!.dataSync())).toEqual(
        Array.from(stored['stem_conv/kernel']!.dataSync()),
      );
      tf.dispose(Object.values(stored));
      frozen.dispose();
      graphModel(full).dispose();
    });

    it('with weights, trainable counts equal the Python library (ResNet50Sim, B0)', async () => {
      // Python: a local Keras weights file as `weights` (tools/reference/architectures_counts_reference.py).
      const r50 = graphModel(await buildResNet50Sim([32, 32, 3]));
      await saveWeights(r50.getLayer('resnet50') as tfl.LayersModel, join(dir, 'r50'));
      r50.dispose();
      for (const trainable of ['full', 'partial', 'frozen'] as const) {
        const model = graphModel(await buildResNet50Sim([32, 32, 3], { weights: join(dir, 'r50'), trainable }));
        expect(countTrainableParams(model)).toBe(REFERENCE_COUNTS[`ResNet50Sim(weights=file, trainable=${trainable})`]!.trainable);
        model.dispose();
      }
      expect(['full', 'partial', 'frozen'].map((t) => REFERENCE_COUNTS[`ResNet50Sim(weights=file, trainable=${t})`]!.trainable)).toEqual([
        23_743_744, 15_215_744, 262_272,
      ]);
      // B0, partial: block5* to block7* and top* train, their batch normalisation does not.
      const b0Source = createEfficientNetBackbone([32, 32, 3], 'B0');
      await saveWeights(b0Source, join(dir, 'b0'));
      b0Source.dispose();
      const b0 = graphModel(await buildEfficientNetSim([32, 32, 3], { weights: join(dir, 'b0'), trainable: 'partial' }));
      expect(countTrainableParams(b0)).toBe(3_829_032);
      expect(REFERENCE_COUNTS['EfficientNetSim(variant=B0, weights=file, trainable=partial)']!.trainable).toBe(3_829_032);
      b0.dispose();
    });
  },
  { only: [fastestBackend()] },
);
