/**
 * A tfjs-layers model in a folder, in TensorFlow.js' own layout:
 * `model.json` (topology and weights manifest) and `weights.bin`, so that
 * `tf.loadLayersModel('file://.../model.json')` reads it too. Written and
 * read through memory handlers, so no tfjs-node is needed.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

import { io } from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import { FormatError } from '@tfsim/utils';

const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

interface ModelJson {
  format?: string;
  generatedBy?: string;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
}

function joinWeightData(data: io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const buffers = Array.isArray(data) ? data : [data];
  return new Uint8Array(io.concatenateArrayBuffers(buffers));
}

/** Writes `model` to `dir` (created; must not exist). */
export async function saveLayersModel(model: LayersModel, dir: string): Promise<void> {
  await fsp.mkdir(dir);
  await model.save(
    io.withSaveHandler(async (artifacts) => {
      if (!artifacts.modelTopology || artifacts.modelTopology instanceof ArrayBuffer) {
        throw new FormatError(`${model.name}: tfjs returned no JSON topology to save`);
      }
      const json: ModelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      const weights = joinWeightData(artifacts.weightData);
      await fsp.writeFile(path.join(dir, MODEL_FILE), JSON.stringify(json));
      await fsp.writeFile(path.join(dir, WEIGHTS_FILE), weights);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

/** Reads a model written by saveLayersModel (or by tfjs' file:// handler with one weights file). */
export async function loadLayersModelFrom(dir: string): Promise<LayersModel> {
  let json: ModelJson;
  try {
    json = JSON.parse(await fsp.readFile(path.join(dir, MODEL_FILE), 'utf8')) as ModelJson;
  } catch (err) {
    throw new FormatError(`${dir} holds no readable ${MODEL_FILE}: ${(err as Error).message}`);
  }
  const groups = json.weightsManifest;
  if (!json.modelTopology || !Array.isArray(groups))
    throw new FormatError(`${path.join(dir, MODEL_FILE)} has no modelTopology or weightsManifest`);
  const weightSpecs: io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of groups) {
    weightSpecs.push(...group.weights);
    for (const file of group.paths) {
      if (path.basename(file) !== file)
        throw new FormatError(`${path.join(dir, MODEL_FILE)} names a weights file outside its folder: ${file}`);
      parts.push(await fsp.readFile(path.join(dir, file)));
    }
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const expected = weightSpecs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * bytesPerElement(w.dtype), 0);
  if (total !== expected) {
    throw new FormatError(`${dir}: the weights files hold ${total} bytes but the manifest describes ${expected}`);
  }
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    weightData.set(p, offset);
    offset += p.byteLength;
  }
  return loadLayersModel(io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer }));
}

function bytesPerElement(dtype: string): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'bool') return 1;
  throw new FormatError(`unsupported weight dtype ${dtype} (quantized or string weights are not supported here)`);
}
