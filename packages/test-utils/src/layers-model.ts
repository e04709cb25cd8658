import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** A layers model saved in memory, its topology through JSON text as a file would hold it. */
export async function saveToMemory(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  saved!.modelTopology = JSON.parse(JSON.stringify(saved!.modelTopology)) as object;
  return saved!;
}

/** Saves a layers model in memory (through JSON) and loads it back: what a save to disk and a load do to it. */
export async function roundTripModel(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(tf.io.fromMemory(await saveToMemory(model)));
}
