import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

import { MemoryEvaluator, registerEvaluator } from '@tfsim/evaluators';
import { MatchMajorityVote, MatchNearest, registerMatcher } from '@tfsim/matchers';
import { RecallAtK, type RetrievalMetric } from '@tfsim/retrieval-metrics';
import { tempDir } from '@tfsim/test-utils';
import type { Lookup } from '@tfsim/utils';

import { Indexer } from '../src';
import { clusters } from './helpers';

/** A custom evaluator: Python's retrieval values, keyed `<prefix><name>`. */
class PrefixedEvaluator extends MemoryEvaluator {
  readonly prefix: string;
  constructor(config: { prefix?: string } = {}) {
    super();
    this.prefix = config.prefix ?? '';
  }
  getConfig() {
    return { prefix: this.prefix };
  }
  override evaluateRetrieval(
    labels: ArrayLike<number>,
    lookups: ReadonlyArray<ReadonlyArray<Lookup>>,
    metrics: ReadonlyArray<RetrievalMetric>,
    options = {},
  ) {
    const values = super.evaluateRetrieval(labels, lookups, metrics, options);
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [this.prefix + k, v]));
  }
}

/** A custom matcher with a config: majority vote, tagged. */
class TaggedVote extends MatchMajorityVote {
  readonly tag: string;
  constructor(config: { tag?: string } = {}) {
    super('tagged_vote', 'match_tagged_vote');
    this.tag = config.tag ?? '';
  }
  override getConfig() {
    return { ...super.getConfig(), tag: this.tag };
  }
}

registerEvaluator(PrefixedEvaluator, { name: 'prefixed' });
registerMatcher(TaggedVote, { name: 'match_tagged_vote' });

describe('custom evaluators and matchers saved by registered name (Python #84)', () => {
  const dir = tempDir('tfsim-indexer-custom-');
  const { embeddings, labels } = clusters(3, 90, 5, 3, 1.2);
  const queries = clusters(3, 130, 5, 3, 1.2);
  const qEmb = queries.embeddings.slice(90);
  const qLab = queries.labels.slice(90);

  it('saves the evaluator name and config and the calibration matcher, and loads them back', async () => {
    const index = new Indexer(5, { evaluator: new PrefixedEvaluator({ prefix: 'val_' }) });
    expect(index.evaluatorType).toBe('prefixed');
    await index.batchAdd(embeddings, labels);
    const matcher = new TaggedVote({ tag: 'v1' });
    await index.calibrate(qEmb, qLab, {}, { k: 3, matcher, verbose: false });
    const folder = path.join(dir, 'custom');
    await index.save(folder);

    const manifest = JSON.parse(await fsp.readFile(path.join(folder, 'manifest.json'), 'utf8'));
    expect(manifest.evaluator).toBe('prefixed');
    expect(manifest.evaluatorConfig).toEqual({ prefix: 'val_' });
    expect(manifest.calibrationMatcher).toEqual({
      className: 'match_tagged_vote',
      config: { name: 'tagged_vote', canonicalName: 'match_tagged_vote', distanceThresholds: expect.any(Array), tag: 'v1' },
    });

    const loaded = await Indexer.load(folder);
    expect(loaded.evaluator).toBeInstanceOf(PrefixedEvaluator);
    expect((loaded.evaluator as PrefixedEvaluator).prefix).toBe('val_');
    expect(loaded.calibrationMatcher).toBeInstanceOf(TaggedVote);
    expect((loaded.calibrationMatcher as TaggedVote).tag).toBe('v1');

    const metrics = [new RecallAtK({ k: 1 })];
    const values = await loaded.evaluateRetrieval(qEmb, qLab, metrics, 0);
    expect(Object.keys(values)).toEqual(['val_recall@1']);
    expect(values).toEqual(await index.evaluateRetrieval(qEmb, qLab, metrics, 0));
    // matching with the restored matcher gives what the original gives, and differs from match_nearest here
    const options = { k: 3, verbose: false };
    const restored = await loaded.match(qEmb, { ...options, matcher: loaded.calibrationMatcher! });
    expect(restored).toEqual(await index.match(qEmb, { ...options, matcher }));
    expect(restored).not.toEqual(await loaded.match(qEmb, { ...options, matcher: new MatchNearest() }));
    // and a restored one is also made by name
    expect(new Indexer(5, { evaluator: 'Prefixed' }).evaluator).toBeInstanceOf(PrefixedEvaluator);
  });

  it('refuses to load an unregistered evaluator or matcher, naming it and how to register it', async () => {
    class LocalEvaluator extends MemoryEvaluator {}
    class LocalMatcher extends MatchNearest {}
    const index = new Indexer(5, { evaluator: new LocalEvaluator() });
    expect(index.evaluatorType).toBe('LocalEvaluator');
    await index.batchAdd(embeddings, labels);
    await index.calibrate(qEmb, qLab, {}, { matcher: new LocalMatcher(), verbose: false });
    const folder = path.join(dir, 'unregistered');
    await index.save(folder);
    await expect(Indexer.load(folder)).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_NAME',
      message: expect.stringMatching(
        /unknown evaluator "LocalEvaluator"; known evaluators: memory, prefixed\. .*registerEvaluator\(LocalEvaluator\)/,
      ),
    });
    // an evaluator given to load replaces the saved one; the matcher still has to be registered
    await expect(Indexer.load(folder, { evaluator: 'memory' })).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_NAME',
      message: expect.stringMatching(/unknown matcher "LocalMatcher".*registerMatcher\(LocalMatcher\)/),
    });
    registerMatcher(LocalMatcher);
    const loaded = await Indexer.load(folder, { evaluator: new LocalEvaluator() });
    expect(loaded.calibrationMatcher).toBeInstanceOf(LocalMatcher);
    expect(loaded.cutpoints).toEqual(index.cutpoints);
  });

  it('loads a folder saved before evaluator configs and matchers were saved', async () => {
    const index = new Indexer(5);
    await index.batchAdd(embeddings, labels);
    await index.calibrate(qEmb, qLab, {}, { verbose: false });
    const folder = path.join(dir, 'old');
    await index.save(folder);
    const file = path.join(folder, 'manifest.json');
    const { evaluatorConfig: _e, calibrationMatcher: _m, ...old } = JSON.parse(await fsp.readFile(file, 'utf8'));
    await fsp.writeFile(file, JSON.stringify(old));
    const loaded = await Indexer.load(folder);
    expect(loaded.evaluator).toBeInstanceOf(MemoryEvaluator);
    expect(loaded.calibrationMatcher).toBeNull();
    expect(loaded.cutpoints).toEqual(index.cutpoints);
    // a malformed matcher entry is a FormatError naming the field
    await fsp.writeFile(file, JSON.stringify({ ...old, calibrationMatcher: { className: 3 } }));
    await expect(Indexer.load(folder)).rejects.toMatchObject({ code: 'ERR_FORMAT', message: expect.stringMatching(/calibrationMatcher/) });
  });
});
