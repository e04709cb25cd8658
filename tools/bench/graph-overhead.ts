/**
 * `pnpm --filter @tfsim/tools bench:graph-overhead [--model dense|cnn] [--steps 300] [--vars 1,4,16,64]`
 *
 * Where a graph-mode step's time goes on the JavaScript side, which decides
 * small models (a dense step is about 2 ms). Two measurements on tfjs-node:
 *
 * 1. The bench:train step (GraphTrainer, Adam, MultiSimilarityLoss): wall
 *    time per step split into the time inside the binding's `runSavedModel`
 *    (feeding, the session run, fetching) and the rest (JavaScript: the
 *    trainer, wrapping outputs, assigning, reading the loss, disposal).
 * 2. The per-call cost against the amount of state: a step that adds one to
 *    K variables of 64 floats each, compiled by GraphTrainer, for several K.
 *    Before the state stayed in the session every variable was one feed and
 *    one fetch; the slope (ms per variable) is what that cost.
 *
 * Kernel time inside the session is bench:graph-profile's (Python replay).
 * Adam runs fused where our op library is built; `TFSIM_TF_OPS=/nonexistent`
 * measures tfjs' kernels (the header says which ran).
 */
import * as os from 'node:os';
import { parseArgs } from 'node:util';

import type * as tfjs from '@tensorflow/tfjs';

import { fmt, markdownTable } from './common';
import { adamSummary, benchTrainer } from './graph-profile';
import type { TrainModel } from './train';

interface Timed {
  wallMs: number;
  insideMs: number;
  calls: number;
}

type RunSavedModel = (...args: unknown[]) => unknown;

/** Wraps the native binding's runSavedModel to sum the time spent inside it. */
function instrument(tf: typeof tfjs): { timed: Timed; restore: () => void } {
  const backend = tf.backend() as unknown as { binding: Record<string, unknown> };
  const binding = backend.binding;
  const run = binding.runSavedModel as RunSavedModel;
  const timed: Timed = { wallMs: 0, insideMs: 0, calls: 0 };
  backend.binding = new Proxy({} as Record<string, unknown>, {
    get(_empty, prop) {
      if (prop === 'runSavedModel')
        return (...args: unknown[]) => {
          const t0 = performance.now();
          try {
            return run.apply(binding, args);
          } finally {
            timed.insideMs += performance.now() - t0;
            timed.calls++;
          }
        };
      const value = binding[prop as string];
      return typeof value === 'function' ? (value as RunSavedModel).bind(binding) : value;
    },
  });
  return { timed, restore: () => (backend.binding = binding) };
}

async function timeSteps(tf: typeof tfjs, steps: number, step: (i: number) => Promise<void>): Promise<Timed> {
  const { timed, restore } = instrument(tf);
  try {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step(i);
    timed.wallMs = performance.now() - t0;
  } finally {
    restore();
  }
  return timed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'dense' },
      steps: { type: 'string', default: '300' },
      vars: { type: 'string', default: '1,4,16,64' },
      batch: { type: 'string', default: '64' },
    },
  });
  const kind = values.model as TrainModel;
  if (kind !== 'dense' && kind !== 'cnn') throw new Error(`unknown model ${kind}: expected cnn or dense`);
  const steps = Number(values.steps);
  const batch = Number(values.batch);
  const failed = (reason: string) => {
    throw new Error(`graph mode fell back: ${reason}`);
  };
  // 1. the bench:train step
  const { tf, trainer, x, y } = await benchTrainer(kind, batch, 28, failed);
  const { GraphTrainer } = await import('@tfsim/models');
  const trainStep = async () => {
    const [loss] = trainer.run([x, y]);
    await loss!.data();
    loss!.dispose();
  };
  for (let i = 0; i < 10; i++) await trainStep();
  const t = await timeSteps(tf, steps, trainStep);
  const adam = adamSummary(trainer.adamFusion());
  trainer.dispose();

  // 2. per-call cost against the number of state variables
  const sweep: Array<[number, number]> = [];
  for (const k of values.vars.split(',').map(Number)) {
    const vars = Array.from({ length: k }, () => tf.variable(tf.zeros([64])));
    const plus = (feeds: tfjs.Tensor[]) => {
      for (const v of vars) v.assign(tf.add(v, feeds[0]!));
      return [tf.sum(feeds[0]!)];
    };
    const sgd = tf.train.sgd(0.1);
    const k1 = new GraphTrainer(plus, sgd, failed);
    const one = tf.ones([1]);
    const run = async () => {
      const [s] = k1.run([one]);
      await s!.data();
      s!.dispose();
    };
    for (let i = 0; i < 10; i++) await run();
    const r = await timeSteps(tf, steps, run);
    sweep.push([k, r.wallMs / steps]);
    k1.dispose();
    tf.dispose([one, ...vars]);
  }
  const slope = sweep.length > 1 ? (sweep.at(-1)![1] - sweep[0]![1]) / (sweep.at(-1)![0] - sweep[0]![0]) : Number.NaN;
  console.log(
    `load ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' / ')}; ${kind}, batch ${batch}, ${steps} steps; ${adam}\n`,
  );
  console.log(
    markdownTable(
      ['model', 'ms/step (wall)', 'inside runSavedModel', 'outside (JavaScript)', 'session calls/step'],
      [
        [
          kind,
          fmt(t.wallMs / steps, 3),
          `${fmt(t.insideMs / steps, 3)} (${fmt((100 * t.insideMs) / t.wallMs, 0)}%)`,
          fmt((t.wallMs - t.insideMs) / steps, 3),
          fmt(t.calls / steps, 2),
        ],
      ],
    ),
  );
  console.log(
    `\n${markdownTable(
      ['state variables (64 floats)', 'ms per graph step'],
      sweep.map(([k, ms]) => [String(k), fmt(ms, 3)]),
    )}\n\nslope: ${fmt(slope * 1000, 1)} µs per state variable`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
