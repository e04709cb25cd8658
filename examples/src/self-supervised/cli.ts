/**
 * `pnpm --filter @tfsim/examples ssl [--algorithm simclr|simsiam] [--epochs N]
 * [--steps N] [--batch N] [--seed N] [--backend tfjs-node|wasm|cpu]`: runs the
 * self-supervised example and prints its report (and, with --json, the report
 * as JSON).
 */
import { parseArgs } from 'node:util';

import { setupBackend } from '@tfsim/utils';

import { runSelfSupervised, type SelfSupervisedAlgorithm } from './run';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      algorithm: { type: 'string', default: 'simclr' },
      epochs: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      seed: { type: 'string' },
      temperature: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const backend = await setupBackend({ backend: values.backend });
  console.log(backend.summary);
  const report = await runSelfSupervised({
    algorithm: values.algorithm as SelfSupervisedAlgorithm,
    epochs: number(values.epochs),
    stepsPerEpoch: number(values.steps),
    examplesPerBatch: number(values.batch),
    seed: number(values.seed),
    temperature: number(values.temperature),
  });
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(`algorithm ${report.algorithm}, backend ${report.backend}`);
  console.log(`data: ${report.data.train} unlabelled training digits, index ${report.data.index}, queries ${report.data.queries}`);
  console.log(
    `training: ${report.training.epochs} epochs x ${report.training.stepsPerEpoch} steps of ${report.training.examplesPerBatch} digits (2 views each), ` +
      `in ${report.seconds.training.toFixed(1)} s`,
  );
  console.log(`loss per epoch: ${report.loss.map((l) => l.toFixed(3)).join(' ')}`);
  console.log(
    `${report.knn.k}-NN accuracy, model embedding (projector): ${pct(report.knn.before)} before -> ${pct(report.knn.after)} after`,
  );
  console.log(
    `${report.knnBackbone.k}-NN accuracy, backbone output:        ${pct(report.knnBackbone.before)} before -> ${pct(report.knnBackbone.after)} after`,
  );
  console.log(`total ${report.seconds.total.toFixed(1)} s`);
  if (values.json) console.log(JSON.stringify(report));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
