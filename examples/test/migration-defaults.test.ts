import * as tfsim from '@tfsim/similarity';

import { MIGRATION_ROWS } from './migration-table';

/**
 * The defaults column of docs/migration.md against the objects: each entry
 * `key: python` (the same here) or `key: python / ours` is compared with the
 * option's effective value on an object built with no options (only the
 * required arguments), and a difference must be explained in the notes.
 * `(none)`: no such option (here, it must not be an accepted key);
 * `(auto)`: unset until the data or the model decides. An entry marked †
 * is not checked (building the object would cost too much for a unit test).
 */

const { losses, samplers, stores, search, indexer, retrievalMetrics, callbacks, layers, trainingMetrics, models, architectures } = tfsim;

/** `aliases`: how to read an option whose value is not kept under its own name. */
type Built = { object: object; aliases?: Record<string, (object: never) => unknown> };

/** How to build each documented class with its defaults, by its TypeScript name (the first in the row). */
const BUILD: Record<string, () => Built> = {
  TripletLoss: () => ({ object: new losses.TripletLoss() }),
  PNLoss: () => ({ object: new losses.PNLoss() }),
  MultiSimilarityLoss: () => ({ object: new losses.MultiSimilarityLoss() }),
  CircleLoss: () => ({ object: new losses.CircleLoss() }),
  SoftNearestNeighborLoss: () => ({ object: new losses.SoftNearestNeighborLoss() }),
  LiftedStructLoss: () => ({ object: new losses.LiftedStructLoss() }),
  MultiNegativesRankLoss: () => ({ object: new losses.MultiNegativesRankLoss() }),
  XBM: () => ({ object: new losses.XBM(new losses.TripletLoss(), { memorySize: 8 }) }),
  SimCLRLoss: () => ({ object: new losses.SimCLRLoss() }),
  SimSiamLoss: () => ({ object: new losses.SimSiamLoss() }),
  Barlow: () => ({ object: new losses.Barlow() }),
  VicReg: () => ({ object: new losses.VicReg() }),
  MultiShotMemorySampler: () => ({ object: new samplers.MultiShotMemorySampler([[0], [1]], [0, 1]) }),
  SingleShotMemorySampler: () => ({
    object: new samplers.SingleShotMemorySampler([[0], [1]], { augmenter: (x: unknown) => x, examplesPerBatch: 2 } as never),
  }),
  MultiShotFileSampler: () => ({ object: new samplers.MultiShotFileSampler(['a.png', 'b.png'], [0, 1]) }),
  SimCLRAugmenter: () => ({ object: new samplers.SimCLRAugmenter({ height: 8, width: 8 }) }),
  BarlowAugmenter: () => ({ object: new samplers.BarlowAugmenter({ height: 8, width: 8 }) }),
  MemoryStore: () => ({ object: new stores.MemoryStore() }),
  RedisStore: () => ({ object: new stores.RedisStore() }),
  LinearSearch: () => ({ object: new search.LinearSearch('cosine', 4) }),
  Indexer: () => ({ object: new indexer.Indexer(4), aliases: { evaluator: (o: InstanceType<typeof indexer.Indexer>) => o.evaluatorType } }),
  RecallAtK: () => ({ object: new retrievalMetrics.RecallAtK() }),
  PrecisionAtK: () => ({ object: new retrievalMetrics.PrecisionAtK() }),
  MapAtK: () => ({ object: new retrievalMetrics.MapAtK() }),
  BNDCG: () => ({ object: new retrievalMetrics.BNDCG() }),
  EvalCallback: () => ({
    object: new callbacks.EvalCallback([[0, 0]], [0], [[0, 1]], [0], { print: () => undefined }),
    aliases: {
      metrics: (o: InstanceType<typeof callbacks.EvalCallback>) => o.classificationMetrics,
      verbose: (o: InstanceType<typeof callbacks.EvalCallback>) => o.loggers.some((l) => l instanceof callbacks.ConsoleLogger),
    },
  }),
  GeneralizedMeanPooling1D: () => ({ object: new layers.GeneralizedMeanPooling1D() }),
  GeneralizedMeanPooling2D: () => ({ object: new layers.GeneralizedMeanPooling2D() }),
  DistanceMetric: () => ({ object: new trainingMetrics.DistanceMetric('cosine') }),
  WarmupCosineDecay: () => ({ object: new models.WarmupCosineDecay(1, 10, 1) }),
  ResNet18Sim: () => ({ object: architectures.resolveHead({}, 'ResNet18Sim') }),
  ResNet50Sim: () => ({ object: architectures.resolveHead({}, 'ResNet50Sim') }),
  EfficientNetSim: () => ({ object: architectures.resolveHead({}, 'EfficientNetSim') }),
};

interface Entry {
  key: string;
  python: string;
  ours: string;
  differs: boolean;
  checked: boolean;
}

function parseEntries(cell: string): Entry[] {
  if (cell === '—') return [];
  return cell.split('; ').map((text) => {
    const m = /^`(\w+)`: (.+?)(?: \/ (.+?))?( †)?$/.exec(text);
    if (!m) throw new Error(`cannot read the defaults entry "${text}"`);
    return { key: m[1]!, python: m[2]!, ours: m[3] ?? pythonToOurs(m[2]!), differs: m[3] !== undefined, checked: m[4] === undefined };
  });
}

/** The same default, written as TypeScript: None -> null, True -> true, inf -> Infinity. */
function pythonToOurs(python: string): string {
  return python
    .replace(/\bNone\b/g, 'null')
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false')
    .replace(/\binf\b/g, 'Infinity');
}

function literal(text: string): unknown {
  if (text === 'Infinity') return Number.POSITIVE_INFINITY;
  return JSON.parse(text.replace(/'/g, '"')) as unknown;
}

function read(built: Built, key: string): unknown {
  const alias = built.aliases?.[key];
  const value: unknown = alias ? alias(built.object as never) : (built.object as Record<string, unknown>)[key];
  // A distance, search or store reads as its name.
  if (typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string' && !Array.isArray(value)) {
    return (value as { name: string }).name;
  }
  return value;
}

const documented = MIGRATION_ROWS.filter((r) => r.length === 5 && r[3] !== '—').map((r) => ({
  python: r[0]!,
  typescript: /`(\w+)`/.exec(r[1]!)?.[1] ?? '',
  entries: parseEntries(r[3]!),
  notes: r[4]!,
}));

describe('docs/migration.md defaults', () => {
  it('every row has a defaults column, and the main classes have their defaults documented', () => {
    for (const r of MIGRATION_ROWS) expect({ row: r[0], cells: r.length }).toEqual({ row: r[0], cells: 5 });
    const names = documented.map((d) => d.typescript);
    for (const name of [
      'TripletLoss',
      'MultiShotMemorySampler',
      'LinearSearch',
      'Indexer',
      'EvalCallback',
      'BarlowAugmenter',
      'ResNet50Sim',
    ]) {
      expect(names).toContain(name);
    }
  });

  it.each(documented.map((d) => [d.typescript, d] as const))('%s: the documented defaults are the real ones', (_name, d) => {
    for (const e of d.entries.filter((entry) => entry.differs)) {
      expect({ key: e.key, explained: d.notes.includes(`\`${e.key}\``) }).toEqual({ key: e.key, explained: true });
    }
    if (d.entries.every((e) => !e.checked)) return;
    const build = BUILD[d.typescript];
    expect({ row: d.python, buildable: build !== undefined }).toEqual({ row: d.python, buildable: true });
    const built = build!();
    const optionKeys = (built.object.constructor as { optionKeys?: Record<string, true> }).optionKeys;
    for (const e of d.entries) {
      if (!e.checked) continue;
      const actual = read(built, e.key);
      if (e.ours === '(none)') {
        expect({ key: e.key, value: actual, accepted: optionKeys !== undefined && e.key in optionKeys }).toEqual({
          key: e.key,
          value: undefined,
          accepted: false,
        });
      } else if (e.ours === '(auto)') {
        expect({ key: e.key, unset: actual === undefined || actual === null }).toEqual({ key: e.key, unset: true });
      } else {
        expect({ key: e.key, value: actual }).toEqual({ key: e.key, value: literal(e.ours) });
      }
    }
    if (built.object instanceof losses.Loss) built.object.dispose();
  });
});
