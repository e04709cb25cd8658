/**
 * A tfjs-layers model as files in a folder (`model.json` + `weights.bin`,
 * TensorFlow.js' own layout). Written with tfjs-node's `file://` handler
 * when it is loaded, with a handler of our own (node:fs) otherwise; read
 * with our own reader, which takes either's files, so the same folder loads
 * on every backend and without tfjs-node.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

import type { io } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FormatError, MAX_MANIFEST_BYTES, parseSavedJson, readSavedFile } from '@tfsim/utils';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/** Whether tfjs-node's `file://` save handler is registered in this process. */
export function hasNativeFileHandler(dir: string): boolean {
  return tf.io.getSaveHandlers(`file://${dir}`).length > 0;
}

/**
 * Writes `model` into the existing folder `dir`. `handler`: `auto` (tfjs-node's
 * file:// handler when present, else ours), or force one of them.
 */
export async function writeLayersModel(
  model: tfl.LayersModel,
  dir: string,
  handler: 'auto' | 'native' | 'own' = 'auto',
): Promise<io.SaveResult> {
  const save = tfl.LayersModel.prototype.save;
  const native = handler === 'native' || (handler === 'auto' && hasNativeFileHandler(dir));
  if (native) return save.call(model, `file://${dir}`);
  return save.call(
    model,
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData =
        artifacts.weightData === undefined ? new ArrayBuffer(0) : new tf.io.CompositeArrayBuffer(artifacts.weightData).slice();
      const modelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
      };
      await fsp.writeFile(path.join(dir, WEIGHTS_FILE), new Uint8Array(weightData));
      await fsp.writeFile(path.join(dir, MODEL_JSON), JSON.stringify(modelJSON));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/** Reads the model saved in `dir` (by either writer) with its weights. */
export async function readLayersModel(dir: string): Promise<tfl.LayersModel> {
  const file = path.join(dir, MODEL_JSON);
  // a regular file inside the folder; parse errors never quote it
  const modelJSON = parseSavedJson(
    (await readSavedFile(dir, MODEL_JSON, { maxBytes: MAX_MANIFEST_BYTES })).toString('utf8'),
    file,
  ) as io.ModelJSON;
  if (!modelJSON || typeof modelJSON !== 'object' || !modelJSON.modelTopology) {
    throw new FormatError(`${file} holds no model topology`);
  }
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
    const specs: io.WeightsManifestEntry[] = [];
    const files: string[] = [];
    for (const group of manifest) {
      for (const p of group.paths) {
        const name = typeof p === 'string' ? p.replace(/^\.\//, '') : '';
        if (path.basename(name) !== name) throw new FormatError(`${file} names a weights file outside its folder`);
        files.push(name);
      }
      specs.push(...group.weights);
    }
    // the size the manifest describes bounds what is read, before anything is read
    const expected = specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * bytesPer(s.dtype, file), 0);
    const buffers: ArrayBuffer[] = [];
    let read = 0;
    for (const name of files) {
      const bytes = await readSavedFile(dir, name, { maxBytes: Math.max(0, expected - read) });
      read += bytes.byteLength;
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
    const data = tf.io.concatenateArrayBuffers(buffers);
    if (data.byteLength !== expected) {
      throw new FormatError(`${dir}: the weights files hold ${data.byteLength} bytes, the manifest describes ${expected}`);
    }
    return [specs, data];
  });
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts));
}

function bytesPer(dtype: string, file: string): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'bool') return 1;
  throw new FormatError(`${file}: weights of dtype ${dtype} are not supported (unquantized float32, int32 or bool only)`);
}
