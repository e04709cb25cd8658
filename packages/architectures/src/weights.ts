/**
 * Backbone weights on disk, without a network: the folder format of
 * TensorFlow.js layers models (a `model.json` whose `weightsManifest` lists
 * the weights and their binary shard files), matched to a model's weights by
 * name (`<layer name>/<weight name>`, e.g. `conv1_conv/kernel`,
 * `conv1_bn/moving_mean`). `tensorflowjs_converter` output of a Keras 2
 * model and `tools/convert_keras_weights.py` output both read as is.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { FormatError, recoverInterruptedSave, ShapeError, ValueError, writeFolderAtomically } from '@tfsim/utils';

import { allLayers, type LayersModel } from './common';

const MODEL_JSON = 'model.json';
const SHARD_FILE = 'weights.bin';
/** What saveWeights writes in model.json's `format` field. */
export const WEIGHTS_FORMAT = 'tfsim-weights';

interface WeightsManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** `null` for no weights, the path otherwise; `'imagenet'` explains what to do instead. */
export function resolveWeightsOption(weights: string | null | undefined, builder: string): string | null {
  if (weights === undefined || weights === null) return null;
  if (typeof weights !== 'string' || weights.trim() === '') {
    throw new ValueError(`${builder}: weights must be null or the path of a weights folder, got ${JSON.stringify(weights)}`);
  }
  if (weights.toLowerCase() === 'imagenet') {
    throw new ValueError(
      `${builder}: 'imagenet' weights cannot be downloaded by this library. Convert Keras' ImageNet weights once ` +
        `(packages/architectures/tools/convert_keras_weights.py) and pass the folder's path as weights, ` +
        `or pass weights: null to train from scratch`,
    );
  }
  return weights;
}

async function modelJsonPath(location: string): Promise<string> {
  // A saveWeights killed between its two renames leaves the folder beside its path.
  await recoverInterruptedSave(location).catch(() => false);
  let stat;
  try {
    stat = await fsp.stat(location);
  } catch (err) {
    throw new FormatError(`weights path ${location} does not exist`, { cause: err });
  }
  return stat.isDirectory() ? path.join(location, MODEL_JSON) : location;
}

/**
 * Reads the weights of a tfjs layers-model folder (or its `model.json`) as
 * tensors by name. The caller owns (and disposes) the returned tensors.
 */
export async function readWeights(location: string): Promise<tf.NamedTensorMap> {
  const jsonPath = await modelJsonPath(location);
  let parsed: { weightsManifest?: WeightsManifestGroup[] };
  try {
    parsed = JSON.parse(await fsp.readFile(jsonPath, 'utf8')) as typeof parsed;
  } catch (err) {
    throw new FormatError(`cannot read ${jsonPath} as JSON: ${(err as Error).message}`, { cause: err });
  }
  const manifest = parsed.weightsManifest;
  if (!Array.isArray(manifest) || manifest.some((g) => !Array.isArray(g?.paths) || !Array.isArray(g?.weights))) {
    throw new FormatError(`${jsonPath} has no valid weightsManifest (a list of {paths, weights})`);
  }
  const dir = path.dirname(jsonPath);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const group of manifest) {
    specs.push(...group.weights);
    for (const shard of group.paths) {
      if (path.isAbsolute(shard) || shard.split(/[\\/]/).includes('..')) {
        throw new FormatError(`${jsonPath}: shard path "${shard}" must stay inside the folder`);
      }
      chunks.push(new Uint8Array(await fsp.readFile(path.join(dir, shard))));
    }
  }
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const buffer = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    buffer.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return tf.io.decodeWeights(buffer.buffer, specs);
  } catch (err) {
    throw new FormatError(`${jsonPath}: the shards do not hold the weights the manifest lists: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export interface LoadWeightsResult {
  /** Number of model weights set. */
  loaded: number;
  /** Weights in the file that the model has no use for (e.g. a classifier head). */
  unused: string[];
}

/**
 * Sets every weight of `model` (nested models included) from the folder at
 * `location`, matching names exactly or, for files written from a wrapping
 * model, by the trailing `<layer>/<weight>` part. All or nothing: a missing
 * weight (FormatError) or a shape mismatch (ShapeError) leaves the model
 * unchanged.
 */
export async function loadWeights(model: LayersModel, location: string): Promise<LoadWeightsResult> {
  const stored = await readWeights(location);
  try {
    const names = Object.keys(stored);
    const used = new Set<string>();
    const assignments: [tf.Tensor, (value: tf.Tensor) => void][] = [];
    const missing: string[] = [];
    for (const layer of allLayers(model)) {
      for (const weight of layer.weights) {
        const wanted = weight.originalName;
        const candidates = stored[wanted] ? [wanted] : names.filter((n) => n.endsWith(`/${wanted}`));
        if (candidates.length !== 1) {
          if (candidates.length > 1) {
            throw new FormatError(`weight ${wanted} matches ${candidates.length} stored weights: ${candidates.slice(0, 3).join(', ')}`);
          }
          missing.push(wanted);
          continue;
        }
        const value = stored[candidates[0]!]!;
        if (!tf.util.arraysEqual(value.shape, weight.shape as number[])) {
          throw new ShapeError(
            `weight ${wanted}: the model has shape [${weight.shape.join(', ')}], ${location} has [${value.shape.join(', ')}]`,
          );
        }
        used.add(candidates[0]!);
        assignments.push([value, (v) => weight.write(v.dtype === weight.dtype ? v : tf.cast(v, weight.dtype))]);
      }
    }
    if (missing.length > 0) {
      throw new FormatError(
        `${location} lacks ${missing.length} weight(s) of the model, e.g. ${missing.slice(0, 5).join(', ')}; ` +
          `stored names look like ${names.slice(0, 3).join(', ')}`,
      );
    }
    tf.tidy(() => assignments.forEach(([value, write]) => write(value)));
    return { loaded: assignments.length, unused: names.filter((n) => !used.has(n)) };
  } finally {
    tf.dispose(Object.values(stored));
  }
}

/**
 * Writes every weight of `model` (nested models included) to the folder
 * `dir` (`model.json` + `weights.bin`), under the names `loadWeights`
 * matches. The folder is written completely or not at all.
 */
export async function saveWeights(model: LayersModel, dir: string): Promise<void> {
  const named: { name: string; tensor: tf.Tensor }[] = [];
  for (const layer of allLayers(model)) {
    for (const weight of layer.weights) named.push({ name: weight.originalName, tensor: weight.read() });
  }
  const seen = new Set<string>();
  for (const { name } of named) {
    if (seen.has(name)) throw new FormatError(`two weights of the model are named ${name}; names must be unique to be saved`);
    seen.add(name);
  }
  const { data, specs } = await tf.io.encodeWeights(named);
  const bytes = new Uint8Array(Array.isArray(data) ? await new Blob(data).arrayBuffer() : data);
  await writeFolderAtomically(dir, async (tmp) => {
    await fsp.writeFile(path.join(tmp, SHARD_FILE), bytes);
    const json = {
      format: WEIGHTS_FORMAT,
      generatedBy: '@tfsim/architectures',
      weightsManifest: [{ paths: [SHARD_FILE], weights: specs }],
    };
    await fsp.writeFile(path.join(tmp, MODEL_JSON), JSON.stringify(json));
  });
}

/** Loads `weights` (a folder; null: none) into a new backbone, disposing the backbone if they fail to load. */
export async function loadBackboneWeights(backbone: LayersModel, weights: string | null): Promise<void> {
  if (!weights) return;
  try {
    await loadWeights(backbone, weights);
  } catch (err) {
    backbone.dispose();
    throw err;
  }
}
