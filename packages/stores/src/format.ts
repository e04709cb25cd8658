/**
 * The saved form of a store, shared by every implementation so that a folder
 * written by one store loads into any other: a manifest, the embeddings as one
 * float32 matrix, the labels as float64 (NaN for "no label") and the data as
 * one UTF-8 JSON array. A store that removed records also saves the ids of
 * those it holds and the next id it will give (version 2); one that never
 * did is written as version 1, which older readers load.
 */
import {
  type ArrayDescriptor,
  FormatError,
  type Label,
  parseSavedJson,
  readArray,
  readManifest,
  writeArray,
  writeFolderAtomically,
  writeManifest,
} from '@tfsim/utils/core';

export const STORE_FORMAT = 'tfsim.store';
export const STORE_FORMAT_VERSION = 2;
const DENSE_VERSION = 1;

/** The contents of a store, in column form. */
export interface StoreSnapshot {
  size: number;
  /** 0 for an empty store that never saw an embedding. */
  dim: number;
  /** `size * dim` values, row-major. */
  embeddings: Float32Array;
  labels: Array<Label | null>;
  /** One JSON text per record. */
  data: string[];
  /**
   * The id of each record, ascending, when they are not 0 to size - 1
   * (records were removed); absent when they are.
   */
  ids?: number[];
  /** The id the next added record gets (default: size). */
  nextId?: number;
}

type StoreManifest = {
  format: string;
  version: number;
  /** Which implementation wrote it (informative only). */
  type: string;
  name: string;
  size: number;
  dim: number;
  /** Version 2. */
  nextId?: number;
  arrays: { embeddings: ArrayDescriptor; labels: ArrayDescriptor; data: ArrayDescriptor; ids?: ArrayDescriptor };
};

/** Writes `snapshot` to `dir` atomically (the folder is replaced whole or not at all). */
export async function writeStore(dir: string, type: string, name: string, snapshot: StoreSnapshot): Promise<void> {
  const labels = new Float64Array(snapshot.size);
  for (let i = 0; i < snapshot.size; i++) labels[i] = snapshot.labels[i] ?? Number.NaN;
  const data = new TextEncoder().encode(`[${snapshot.data.join(',')}]`);
  const nextId = snapshot.nextId ?? snapshot.size;
  const dense = nextId === snapshot.size && (snapshot.ids ?? []).every((id, i) => id === i);
  await writeFolderAtomically(dir, async (tmp) => {
    const manifest: StoreManifest = {
      format: STORE_FORMAT,
      version: dense ? DENSE_VERSION : STORE_FORMAT_VERSION,
      type,
      name,
      size: snapshot.size,
      dim: snapshot.dim,
      ...(dense ? {} : { nextId }),
      arrays: {
        embeddings: await writeArray(tmp, 'embeddings.f32', snapshot.embeddings),
        labels: await writeArray(tmp, 'labels.f64', labels),
        data: await writeArray(tmp, 'data.json', data),
        ...(dense
          ? {}
          : {
              ids: await writeArray(tmp, 'ids.f64', Float64Array.from(snapshot.ids ?? Array.from({ length: snapshot.size }, (_, i) => i))),
            }),
      },
    };
    await writeManifest(tmp, manifest);
  });
}

/** Reads and checks a folder written by writeStore; nothing is returned unless all of it is valid. */
export async function readStore(dir: string): Promise<StoreSnapshot> {
  const manifest = (await readManifest(dir, STORE_FORMAT, [DENSE_VERSION, STORE_FORMAT_VERSION])) as unknown as StoreManifest;
  const { size, dim, arrays } = manifest;
  const dense = manifest.version === DENSE_VERSION;
  if (!Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(dim) || dim < 0 || (size > 0 && dim === 0)) {
    throw new FormatError(`${dir}: manifest has an invalid size (${String(size)}) or dimension (${String(dim)})`);
  }
  if (typeof arrays !== 'object' || arrays === null) throw new FormatError(`${dir}: manifest lists no arrays`);
  // lengths agree with size and dim before any array is read (each file's size is checked against its length)
  const nextId = dense ? size : manifest.nextId;
  if (!Number.isSafeInteger(nextId) || nextId! < size) {
    throw new FormatError(`${dir}: manifest field nextId must be an integer >= size (${size}), got ${String(nextId)}`);
  }
  const lengths: Array<['embeddings' | 'labels' | 'ids', number]> = [
    ['embeddings', size * dim],
    ['labels', size],
  ];
  if (!dense) lengths.push(['ids', size]);
  if (dense && arrays.ids !== undefined) throw new FormatError(`${dir}: a version 1 store lists no ids`);
  for (const [key, length] of lengths) {
    if (arrays[key]?.length !== length) {
      throw new FormatError(`${dir}: the ${key} array must hold ${length} values for ${size} records of dimension ${dim}`);
    }
  }
  const embeddings = await readArray(dir, arrays.embeddings, 'float32');
  const labelValues = await readArray(dir, arrays.labels, 'float64');
  const dataBytes = await readArray(dir, arrays.data, 'uint8');
  for (let i = 0; i < embeddings.length; i++) {
    if (!Number.isFinite(embeddings[i]!)) throw new FormatError(`${dir}: embedding value ${i} is ${embeddings[i]}`);
  }
  const labels: Array<Label | null> = new Array(size);
  for (let i = 0; i < size; i++) {
    const v = labelValues[i]!;
    if (Number.isNaN(v)) labels[i] = null;
    else if (Number.isSafeInteger(v)) labels[i] = v;
    else throw new FormatError(`${dir}: label ${i} is ${v}, not a safe integer`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(dataBytes);
  } catch {
    throw new FormatError(`${dir}: data is not valid UTF-8`);
  }
  const parsed = parseSavedJson(text, `${dir}: data`);
  if (!Array.isArray(parsed) || parsed.length !== size) {
    throw new FormatError(`${dir}: data must be a JSON array of ${size} entries`);
  }
  const ids = dense ? undefined : Array.from(await readArray(dir, arrays.ids!, 'float64'));
  ids?.forEach((id, i) => {
    if (!Number.isSafeInteger(id) || id < (i === 0 ? 0 : ids[i - 1]! + 1) || id >= nextId!) {
      throw new FormatError(`${dir}: id ${i} is ${id}; ids must be ascending integers from 0 to nextId - 1 (${nextId! - 1})`);
    }
  });
  return { size, dim, embeddings, labels, data: parsed.map((d) => JSON.stringify(d ?? null)), ...(ids ? { ids, nextId: nextId! } : {}) };
}
