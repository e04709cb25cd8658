/**
 * The saved form of an index: a manifest (settings, calibration, the configs
 * of store and search) with the calibration curve and latency statistics as
 * binary arrays, and the store and the search in their own sub-folders. Read
 * back through one validator that type-checks every field before anything is
 * built from it.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

import type { Cutpoint } from '@tfsim/evaluators';
import type { Search } from '@tfsim/search';
import { type Store, type StoreConfig, storeTypes } from '@tfsim/stores';
import {
  type ArrayDescriptor,
  assertSavedFolder,
  FormatError,
  type Manifest,
  readArray,
  readManifest,
  type SerializedClass,
  writeArray,
  writeManifest,
} from '@tfsim/utils/core';

import { decodeCutpoints, encodeCutpoints, type EncodedCutpoints } from './cutpoints';
import { LabelTable } from './labels';
import { MAX_STAT_BUFFER_SIZE } from './stats';

export const INDEX_FORMAT = 'tfsim.index';
/**
 * Version 2 adds the label table of string and JSON labels; an index of
 * integer labels is still written as version 1, which older readers load.
 */
export const INDEX_FORMAT_VERSION = 2;
const TABLE_FREE_VERSION = 1;

/** What an index saves besides its store and search. */
export interface IndexState {
  size: number;
  distance: string;
  embeddingSize: number;
  embeddingOutput: number | null;
  evaluator: string;
  /** The evaluator's `getConfig()`; absent in folders saved before custom evaluators were saved. */
  evaluatorConfig?: Record<string, unknown>;
  /** The matcher of the calibration, when calibrated; absent in older folders. */
  calibrationMatcher?: SerializedClass | null;
  kvStoreConfig: StoreConfig;
  searchConfig: Record<string, unknown> & { type: string };
  statBufferSize: number;
  isCalibrated: boolean;
  calibrationMetricConfig: { name: string; canonicalName: string } | null;
  cutpoints: Record<string, Cutpoint>;
  calibrationThresholds: Record<string, Float32Array>;
  numLookups: number;
  timings: Float64Array;
  /** The label table as JSON text (a JSON array), null for an index of integer labels. */
  labelTable: string | null;
}

/** The manifest: the settings of IndexState, with cutpoints encoded and arrays described. */
interface IndexManifest extends Omit<IndexState, 'cutpoints' | 'calibrationThresholds' | 'numLookups' | 'timings' | 'labelTable'> {
  format: string;
  version: number;
  cutpoints: EncodedCutpoints;
  calibrationThresholds: Array<{ key: string; array: ArrayDescriptor }>;
  stats: { numLookups: number; timings: ArrayDescriptor };
  /** Version 2: the label table, a UTF-8 JSON array. */
  labelTable?: ArrayDescriptor;
}

/** Writes the manifest and arrays of `state` into `dir` (a fresh folder), then the store and the search. */
export async function writeIndexFolder(dir: string, state: IndexState, store: Store, search: Search): Promise<void> {
  const thresholds: IndexManifest['calibrationThresholds'] = [];
  let i = 0;
  for (const [key, values] of Object.entries(state.calibrationThresholds)) {
    thresholds.push({ key, array: await writeArray(dir, `calibration-${i++}.f32`, Float32Array.from(values)) });
  }
  const { calibrationThresholds: _t, numLookups, timings, cutpoints, labelTable, ...settings } = state;
  const manifest: IndexManifest = {
    format: INDEX_FORMAT,
    version: labelTable === null ? TABLE_FREE_VERSION : INDEX_FORMAT_VERSION,
    ...settings,
    cutpoints: encodeCutpoints(cutpoints),
    calibrationThresholds: thresholds,
    stats: { numLookups, timings: await writeArray(dir, 'lookup-timings.f64', timings) },
    ...(labelTable === null ? {} : { labelTable: await writeArray(dir, 'label-table.json', new TextEncoder().encode(labelTable)) }),
  };
  await store.save(path.join(dir, 'store'));
  await search.save(path.join(dir, 'search'));
  await writeManifest(dir, manifest as unknown as Manifest);
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown, min = 0): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= min;

function field<T>(md: Record<string, unknown>, key: string, ok: (x: unknown) => x is T, expected: string, dir: string): T {
  const value = md[key];
  if (!ok(value)) throw new FormatError(`${dir}: manifest field ${key} must be ${expected}`);
  return value;
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isBoolean = (x: unknown): x is boolean => typeof x === 'boolean';
const isConfig = (x: unknown): x is Record<string, unknown> & { type: string } => isRecord(x) && typeof x.type === 'string';
const isDescriptor = (x: unknown): x is ArrayDescriptor =>
  isRecord(x) && typeof x.file === 'string' && typeof x.dtype === 'string' && isCount(x.length);

/** Every field of a saved index's manifest, type-checked; a FormatError names the first bad one. */
function validateManifest(md: Manifest, dir: string): IndexManifest {
  const m = md as Record<string, unknown>;
  const isCalibrated = field(m, 'isCalibrated', isBoolean, 'true or false', dir);
  const metricConfig = m.calibrationMetricConfig as { name: string; canonicalName: string } | null | undefined;
  const hasMetricConfig = isRecord(metricConfig) && isString(metricConfig.name) && isString(metricConfig.canonicalName);
  if (isCalibrated ? !hasMetricConfig : metricConfig != null && !hasMetricConfig) {
    throw new FormatError(
      `${dir}: manifest field calibrationMetricConfig must be {name, canonicalName}${isCalibrated ? ' for a calibrated index' : ''}`,
    );
  }
  const stats = field(m, 'stats', isRecord, 'an object', dir);
  if (!isCount(stats.numLookups)) throw new FormatError(`${dir}: manifest field stats.numLookups must be a count (an integer >= 0)`);
  if (!isDescriptor(stats.timings)) throw new FormatError(`${dir}: manifest field stats.timings must be an array descriptor`);
  const thresholds = field(m, 'calibrationThresholds', Array.isArray, 'a list', dir) as unknown[];
  thresholds.forEach((t, i) => {
    if (!isRecord(t) || !isString(t.key) || !isDescriptor(t.array)) {
      throw new FormatError(`${dir}: manifest field calibrationThresholds[${i}] must be {key, array}`);
    }
  });
  const embeddingOutput = m.embeddingOutput;
  if (embeddingOutput !== null && !isCount(embeddingOutput)) {
    throw new FormatError(`${dir}: manifest field embeddingOutput must be null or an integer >= 0`);
  }
  if (md.version === TABLE_FREE_VERSION ? m.labelTable !== undefined : !isDescriptor(m.labelTable)) {
    throw new FormatError(
      `${dir}: manifest field labelTable must be ${md.version === TABLE_FREE_VERSION ? 'absent in version 1' : 'an array descriptor'}`,
    );
  }
  const evaluatorConfig = m.evaluatorConfig;
  if (evaluatorConfig !== undefined && !isRecord(evaluatorConfig))
    throw new FormatError(`${dir}: manifest field evaluatorConfig must be an object`);
  const matcher = m.calibrationMatcher;
  if (matcher != null && !(isRecord(matcher) && isString(matcher.className) && isRecord(matcher.config))) {
    throw new FormatError(`${dir}: manifest field calibrationMatcher must be null or {className, config}`);
  }
  const statBufferSize = field(
    m,
    'statBufferSize',
    (x): x is number => isCount(x, 1) && x <= MAX_STAT_BUFFER_SIZE,
    `an integer from 1 to ${MAX_STAT_BUFFER_SIZE}`,
    dir,
  );
  return {
    format: md.format,
    version: md.version,
    size: field(m, 'size', (x): x is number => isCount(x), 'a count (an integer >= 0)', dir),
    distance: field(m, 'distance', isString, 'a distance name', dir),
    embeddingSize: field(m, 'embeddingSize', (x): x is number => isCount(x, 1), 'an integer >= 1', dir),
    embeddingOutput,
    evaluator: field(m, 'evaluator', isString, 'an evaluator name', dir),
    ...(evaluatorConfig !== undefined ? { evaluatorConfig } : {}),
    calibrationMatcher:
      matcher == null ? null : { className: matcher.className as string, config: matcher.config as Record<string, unknown> },
    kvStoreConfig: field(m, 'kvStoreConfig', isConfig, 'a store config {type, ...}', dir) as StoreConfig,
    searchConfig: field(m, 'searchConfig', isConfig, 'a search config {type, ...}', dir),
    statBufferSize,
    isCalibrated,
    calibrationMetricConfig: hasMetricConfig ? { name: metricConfig!.name, canonicalName: metricConfig!.canonicalName } : null,
    cutpoints: field(m, 'cutpoints', isRecord, 'an object', dir) as EncodedCutpoints,
    calibrationThresholds: thresholds as IndexManifest['calibrationThresholds'],
    stats: { numLookups: stats.numLookups, timings: stats.timings },
    ...(m.labelTable === undefined ? {} : { labelTable: m.labelTable as ArrayDescriptor }),
  };
}

/** A saved index, checked whole; the store and search folders are checked to be folders (not links). */
export interface SavedIndex extends Omit<IndexState, 'cutpoints' | 'calibrationThresholds' | 'labelTable'> {
  labelTable: LabelTable | null;
  cutpoints: Record<string, Cutpoint>;
  calibrationThresholds: Record<string, Float32Array>;
  storeDir: string;
  searchDir: string;
}

export async function readIndexFolder(dir: string): Promise<SavedIndex> {
  const md = validateManifest(await readManifest(dir, INDEX_FORMAT, [TABLE_FREE_VERSION, INDEX_FORMAT_VERSION]), dir);
  const storeDir = path.join(dir, 'store');
  const searchDir = path.join(dir, 'search');
  await assertSavedFolder(storeDir, 'store folder');
  await assertSavedFolder(searchDir, 'search folder');
  const cutpoints = decodeCutpoints(md.cutpoints, `${dir}: cutpoints`);
  const thresholds = Object.create(null) as Record<string, Float32Array>;
  for (const { key, array } of md.calibrationThresholds) thresholds[key] = await readArray(dir, array, 'float32');
  const timings = await readArray(dir, md.stats.timings, 'float64');
  const labelTable = md.labelTable ? await readLabelTable(dir, md.labelTable) : null;
  const { format: _f, version: _v, stats, labelTable: _l, ...settings } = md;
  return {
    ...settings,
    labelTable,
    cutpoints,
    calibrationThresholds: thresholds,
    numLookups: stats.numLookups,
    timings,
    storeDir,
    searchDir,
  };
}

async function readLabelTable(dir: string, descriptor: ArrayDescriptor): Promise<LabelTable> {
  const bytes = await readArray(dir, descriptor, 'uint8');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`${dir}: the label table is not valid UTF-8`);
  }
  const table = LabelTable.fromJson(text, `${dir}: label table`);
  if (table.size === 0) throw new FormatError(`${dir}: the label table is empty (an index of integer labels saves none)`);
  return table;
}

/** Every label the store holds is a row of the label table (`rows` of them) or null. */
export async function checkStoreLabels(store: Store, rows: number, dir: string): Promise<void> {
  for (const r of await store.toRecords(0)) {
    const label = r.label;
    if (label !== null && label !== undefined && !(Number.isInteger(label) && label >= 0 && label < rows)) {
      throw new FormatError(`${dir}: item ${r.id} has label ${label}, but the label table has rows 0 to ${rows - 1}`);
    }
  }
}

/**
 * The store a load creates from a saved config: of the same type, but never
 * the place the config names (a load writes only to a store it created, or to
 * an empty one the caller gives): a LevelDB in a new temporary folder, a new
 * key prefix on a Redis server.
 */
export function storeForLoad(config: StoreConfig): StoreConfig {
  const type = storeTypes.get(config.type);
  const name = typeof config.name === 'string' ? { name: config.name } : {};
  if (type === 'level') return { type: 'level', ...name } as StoreConfig;
  if (type === 'redis') {
    const connection = Object.fromEntries(['url', 'host', 'port', 'db'].filter((k) => config[k] !== undefined).map((k) => [k, config[k]]));
    const base = typeof config.prefix === 'string' ? config.prefix.slice(0, 200) : 'tfsim';
    return { type: 'redis', ...name, ...connection, prefix: `${base}:loaded-${randomBytes(6).toString('hex')}` } as StoreConfig;
  }
  return { type, ...name } as StoreConfig;
}

/** How many stored records the check of a loaded search looks up. */
const SEARCH_CHECK_SAMPLE = 32;

/**
 * Checks that a loaded search agrees with its store: looking up a sample of
 * stored embeddings returns distinct ids that the store holds (a search whose
 * ids are all 0, or point past the store, is refused here, not at lookup).
 * The sample is the first stored records: ids need not be 0 to size - 1 once
 * items were removed.
 */
export async function checkSearchAgainstStore(search: Search, store: Store, size: number, dir: string): Promise<void> {
  if (size === 0) return;
  const sample = await store.toRecords(SEARCH_CHECK_SAMPLE);
  const dim = search.dim;
  const queries = new Float32Array(sample.length * dim);
  sample.forEach((r, i) => queries.set(r.embedding, i * dim));
  const found = search.batchLookup({ data: queries, rows: sample.length, cols: dim }, Math.min(size, 8));
  const returned = new Set<number>();
  found.forEach((n, i) => {
    const seen = new Set<number>();
    for (const id of n.ids) {
      if (!Number.isSafeInteger(id) || id < 0 || seen.has(id)) {
        throw new FormatError(
          `${dir}: the saved search does not match the store: looking up record ${sample[i]!.id} returned id ${id}${seen.has(id) ? ' twice' : ''}`,
        );
      }
      seen.add(id);
      returned.add(id);
    }
  });
  try {
    await store.batchGet([...returned]);
  } catch (err) {
    throw new FormatError(
      `${dir}: the saved search does not match the store: it returns ids the store does not hold (${(err as Error).message})`,
    );
  }
}
