import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MultiSimilarityLoss } from '@tfsim/losses';
import { describeEachBackend, tempDir } from '@tfsim/test-utils';
import { FormatError } from '@tfsim/utils';

import { hasNativeFileHandler } from '../src/model-files';
import { loadModel, SimilarityModel } from '../src/similarity-model';
import { buildMlp, clustersTensor, makeClusters } from './fixture';
import { type Snapshot, snapshot } from './snapshot';

const run = promisify(execFile);
const root = path.join(__dirname, '..');
const tsx = path.join(root, '..', '..', 'node_modules', '.bin', 'tsx');

/** A compiled model (distance l2 instead of the loss's cosine) with a labelled, calibrated index. */
async function indexedModel(): Promise<SimilarityModel> {
  const train = makeClusters(1, 8, 40);
  const model = buildMlp(train.dim, 8, 11, 'saved_mlp');
  model.compile({ optimizer: tf.train.adam(0.01), loss: new MultiSimilarityLoss(), distance: 'l2' });
  const x = clustersTensor(train);
  await model.index(
    x,
    train.y,
    train.y.map((label, i) => ({ i, label: `class ${label}` })),
    { verbose: 0 },
  );
  const held = makeClusters(3, 8, 10);
  const xc = clustersTensor(held);
  await model.calibrate(xc, held.y, { thresholdsTargets: { '0.5': 0.5 }, verbose: 0 });
  tf.dispose([x, xc]);
  return model;
}

describeEachBackend('SimilarityModel save and loadModel', (ctx) => {
  const dir = tempDir();

  it('writes model.json, weights.bin, index/ and a versioned manifest side by side', async () => {
    const model = await indexedModel();
    const target = path.join(dir, 'layout');
    await model.save(target);
    expect(fs.readdirSync(target).sort()).toEqual(['index', 'manifest.json', 'model.json', 'weights.bin']);
    const manifest = JSON.parse(fs.readFileSync(path.join(target, 'manifest.json'), 'utf8'));
    expect(manifest).toEqual({
      format: 'tfsim.similarity-model',
      version: 1,
      model: 'model.json',
      index: 'index',
      compile: {
        distance: 'euclidean',
        embeddingOutput: null,
        loss: { className: 'MultiSimilarityLoss', config: expect.objectContaining({ distance: 'cosine' }) },
      },
    });
    expect(JSON.parse(fs.readFileSync(path.join(target, 'model.json'), 'utf8')).modelTopology.class_name).toBe('SimilarityModel');
    await expect(model.save(target, { overwrite: false })).rejects.toThrow(
      `${target} already exists and overwrite is false; pass { overwrite: true } to replace it`,
    );
    model.dispose();
  });

  it("writes the same files with tfjs-node's file:// handler and with its own", async () => {
    if (!hasNativeFileHandler(dir)) return; // nothing to compare against without tfjs-node
    const model = await indexedModel();
    await model.save(path.join(dir, 'native'), { handler: 'native' });
    await model.save(path.join(dir, 'own'), { handler: 'own' });
    const read = (d: string, f: string) => fs.readFileSync(path.join(dir, d, f));
    expect(read('own', 'weights.bin').equals(read('native', 'weights.bin'))).toBe(true);
    const json = (d: string) => JSON.parse(read(d, 'model.json').toString('utf8'));
    expect(json('own').modelTopology).toEqual(json('native').modelTopology);
    expect(json('own').weightsManifest[0].weights).toEqual(json('native').weightsManifest[0].weights);
    // and tfjs-node loads what ours wrote
    const plain = await tfl.loadLayersModel(`file://${path.join(dir, 'own', 'model.json')}`);
    expect(plain).toBeInstanceOf(SimilarityModel);
    plain.dispose();
    model.dispose();
  });

  it('reloads in a fresh process with bit-identical predictions and the same lookups, calibration and matches', async () => {
    const model = await indexedModel();
    const target = path.join(dir, `fresh-${ctx.backend}`);
    await model.save(target, { handler: 'own' });
    const expected = await snapshot(model);
    expect(expected.distance).toBe('euclidean');
    expect(Object.keys(expected.cutpoints as object).sort()).toEqual(['0.5', 'optimal']);

    const inProcess = await loadModel(target);
    expect(inProcess).toBeInstanceOf(SimilarityModel);
    expect(await snapshot(inProcess)).toEqual(expected);
    inProcess.dispose();

    const { stdout } = await run(tsx, ['--conditions=@tfsim/source', path.join(__dirname, 'load-child.ts'), target, ctx.backend], {
      cwd: root,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const fresh = JSON.parse(stdout) as Snapshot & { backend: string };
    expect(fresh.backend).toBe(ctx.backend);
    const { backend: _backend, ...rest } = fresh;
    // predictions compare as raw float32 bytes, the rest value for value
    expect(rest.predictions).toBe(expected.predictions);
    expect(rest).toEqual(expected);
    model.dispose();
  });

  it('reloads an index-less model with its compile choices, and rejects a folder that is not a saved model', async () => {
    const model = buildMlp(16, 8, 3, 'no_index');
    model.compile({ optimizer: 'sgd', loss: 'triplet_loss', distance: 'manhattan' });
    const target = path.join(dir, 'no-index');
    await model.save(target, { saveIndex: false });
    expect(fs.existsSync(path.join(target, 'index'))).toBe(false);
    const loaded = await loadModel(`file://${target}`);
    expect(loaded.distance!.name).toBe('manhattan');
    expect(await loaded.indexSize()).toBe(0);
    loaded.dispose();
    model.dispose();

    fs.mkdirSync(path.join(dir, 'empty'));
    await expect(loadModel(path.join(dir, 'empty'))).rejects.toThrow(FormatError);
    await expect(loadModel(path.join(dir, 'empty'))).rejects.toThrow('is not a saved tfsim.similarity-model: manifest.json is missing');
  });
});
