/**
 * `pnpm --filter @tfsim/tools bench:graph-memory [--steps 1000] [--batch 64]`
 *
 * Graph-mode training must not leak: trains a dense SimilarityModel with
 * MultiSimilarityLoss for `steps` steps on the native backend (graph mode,
 * the default) and reports tf.memory().numTensors and process RSS after the
 * warm-up (step 100) and at the end. Passes (exit 0) when the tensor count is
 * unchanged and RSS grew by at most 5%; too slow for the test run, so it
 * lives here.
 */
import { parseArgs } from 'node:util';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { steps: { type: 'string', default: '1000' }, batch: { type: 'string', default: '64' } } });
  const steps = Number(values.steps);
  const batch = Number(values.batch);
  const { setupBackend, Rng } = await import('@tfsim/utils');
  await setupBackend({ backend: 'tfjs-node' });
  const tf = await import('@tensorflow/tfjs');
  const { MetricEmbedding } = await import('@tfsim/layers');
  const { MultiSimilarityLoss } = await import('@tfsim/losses');
  const { SimilarityModel } = await import('@tfsim/models');
  const inputs = tf.input({ shape: [64] });
  let h = tf.layers.dense({ units: 128, activation: 'relu' }).apply(inputs) as ReturnType<typeof tf.input>;
  h = tf.layers.batchNormalization().apply(h) as ReturnType<typeof tf.input>;
  const model = new SimilarityModel({ inputs, outputs: new MetricEmbedding({ units: 32 }).apply(h) as ReturnType<typeof tf.input> });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: new MultiSimilarityLoss() });
  const rng = new Rng(3);
  const x = tf.tensor2d(
    Float32Array.from({ length: batch * 4 * 64 }, () => rng.normal()),
    [batch * 4, 64],
  );
  const y = Array.from({ length: batch * 4 }, (_, i) => i % 16);
  const warm = 100;
  const epochsFor = (n: number) => Math.max(1, Math.round(n / 4));
  // 4 steps per epoch (4 batches): warm-up, then the rest
  await model.fit(x, y, { batchSize: batch, epochs: epochsFor(warm), shuffle: false, verbose: 0 });
  global.gc?.();
  const tensorsWarm = tf.memory().numTensors;
  const rssWarm = process.memoryUsage().rss;
  await model.fit(x, y, { batchSize: batch, epochs: epochsFor(steps - warm), shuffle: false, verbose: 0 });
  global.gc?.();
  const tensorsEnd = tf.memory().numTensors;
  const rssEnd = process.memoryUsage().rss;
  const growth = rssEnd / rssWarm - 1;
  const report = {
    steps,
    graphSteps: model.graphReport?.graphSteps,
    fallback: model.graphReport?.reason ?? null,
    numTensors: { afterWarmup: tensorsWarm, end: tensorsEnd },
    rssMiB: { afterWarmup: +(rssWarm / 2 ** 20).toFixed(1), end: +(rssEnd / 2 ** 20).toFixed(1) },
    rssGrowth: +(100 * growth).toFixed(2),
  };
  console.log(JSON.stringify(report));
  const ok = tensorsEnd === tensorsWarm && growth <= 0.05 && report.fallback === null;
  console.log(ok ? 'ok: tensor count flat, RSS within 5%' : 'FAIL: graph-mode training leaks');
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
