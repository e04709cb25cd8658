/**
 * `pnpm --filter @tfsim/tools bench:train-ab --base DIR [--rounds 4] [--models cnn,dense] [--steps 30] [--backend tfjs-node-graph]`
 *
 * Before/after of a training-speed change, as a ratio measured in one run:
 * the bench:train child (`--backend`, graph mode by default) of another
 * checkout of this repository (`--base`, with its own node_modules, e.g. a
 * copy of the tree at the commit before the change) and of this one, in
 * interleaved rounds (A B B A, so that a machine whose load drifts favours
 * neither). Reports each round's after/before ratio of samples/s, their
 * geometric mean, the same for process CPU time per step (steadier when other
 * work competes for the cores) and the load average at each round: on a busy
 * machine the ratios are the figures to trust, not the samples/s.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { fmt, markdownTable, nodeArgs, runJsonChild } from './common';
import type { TrainModel, TrainRun } from './train';

interface Round {
  model: TrainModel;
  load: number;
  before: number;
  after: number;
  /** CPU ms per step (all threads). */
  cpuBefore: number;
  cpuAfter: number;
}

function runChild(tree: string, backend: string, model: TrainModel, steps: number): TrainRun {
  const script = path.join(tree, 'tools', 'bench', 'train.ts');
  const [cmd, args] = nodeArgs(script, ['--child', backend, '--models', model, '--steps', String(steps)]);
  const res = runJsonChild<TrainRun>(cmd, args, { env: { ...process.env, TFSIM_BACKEND: '' } });
  if (!res.ok || !res.value.available) throw new Error(`${tree} (${model}): ${res.ok ? res.value.reason : res.error}`);
  return res.value;
}

function geometricMean(xs: number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      rounds: { type: 'string', default: '4' },
      models: { type: 'string', default: 'cnn,dense' },
      steps: { type: 'string', default: '30' },
      backend: { type: 'string', default: 'tfjs-node-graph' },
    },
  });
  if (!values.base) throw new Error('--base DIR is required: a checkout of the "before" tree with its node_modules');
  const base = path.resolve(values.base);
  if (!fs.existsSync(path.join(base, 'tools', 'bench', 'train.ts'))) throw new Error(`${base} has no tools/bench/train.ts`);
  const here = path.resolve(__dirname, '..', '..');
  const models = values.models.split(',').filter(Boolean) as TrainModel[];
  const steps = Number(values.steps);
  const rounds: Round[] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const model of models) {
      const load = os.loadavg()[0]!;
      // A B in even rounds, B A in odd ones
      const order = r % 2 === 0 ? [base, here] : [here, base];
      const runs = new Map(order.map((tree) => [tree, runChild(tree, values.backend, model, steps)]));
      const [b, a] = [runs.get(base)!, runs.get(here)!];
      const round = {
        model,
        load,
        before: b.samplesPerSec!,
        after: a.samplesPerSec!,
        cpuBefore: b.cpuMsPerStep!,
        cpuAfter: a.cpuMsPerStep!,
      };
      rounds.push(round);
      console.error(
        `round ${r + 1} ${model}: before ${fmt(round.before)} after ${fmt(round.after)} samples/s (x${fmt(round.after / round.before, 2)}); ` +
          `CPU ms/step ${fmt(round.cpuBefore, 2)} -> ${fmt(round.cpuAfter, 2)}; load ${load.toFixed(1)}`,
      );
    }
  }
  const rows = models.map((model) => {
    const rs = rounds.filter((x) => x.model === model);
    const ratios = rs.map((x) => x.after / x.before);
    const cpuRatios = rs.map((x) => x.cpuBefore / x.cpuAfter);
    return [
      model,
      rs.map((x) => fmt(x.before)).join(', '),
      rs.map((x) => fmt(x.after)).join(', '),
      ratios.map((x) => fmt(x, 2)).join(', '),
      fmt(geometricMean(ratios), 2),
      fmt(geometricMean(cpuRatios), 2),
      rs.map((x) => x.load.toFixed(1)).join(', '),
    ];
  });
  console.log(`${values.backend}, ${steps} timed steps per child; before: ${base}; after: ${here}\n`);
  console.log(
    markdownTable(
      [
        'model',
        'before (samples/s)',
        'after (samples/s)',
        'after / before by round',
        'geometric mean',
        'CPU time before / after (geometric mean)',
        'load (1 min) by round',
      ],
      rows,
    ),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
