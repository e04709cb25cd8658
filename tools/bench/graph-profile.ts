/**
 * `pnpm --filter @tfsim/tools bench:graph-profile [--model cnn|dense] [--batch 64] [--steps 50] [--trace-steps 10] [--keep DIR] [-- profile_graph.py options]`
 *
 * Where a graph-mode training step's time goes. Compiles the bench:train step
 * (same models, MultiSimilarityLoss, Adam) with GraphTrainer on tfjs-node,
 * writes the exact graph it runs (its SavedModel) and one step's feeds, and
 * replays them in Python TensorFlow (python/profile_graph.py, the peers'
 * venv): untraced time per step, then TensorFlow's own step stats (kernel
 * time per op type of the graph after grappler). Options after `--` go to
 * the Python script (`--intra N`, `--inter N`, `--grappler-off remapping ...`)
 * to try session settings. Adam runs fused where our op library is built
 * (the replay loads it too); `TFSIM_TF_OPS=/nonexistent` profiles tfjs' kernels. The Python session and tfjs-node's use the same
 * TensorFlow (2.21) and default ConfigProto, so the profile is the graph's.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import type * as tfjs from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs';
import type { GraphTrainer } from '@tfsim/models';

import { fmt, markdownTable, PYTHON_DIR, pythonExecutable, pythonHasModule, runAsScript, runJsonChild, writeNpy } from './common';
import { benchModel, benchStep, type TrainModel } from './train';

export interface GraphProfile {
  tensorflow: string;
  graphNodes: number;
  graphOps: Record<string, number>;
  optimizedNodes: number;
  wallMsPerStep: number;
  tracedWallMsPerStep: number;
  kernelsPerStep: number;
  kernelMsPerStep: number;
  byOp: Array<{ op: string; calls: number; ms: number }>;
  topNodes: Array<{ node: string; ms: number }>;
}

/**
 * The bench:train step for `model` run by a GraphTrainer on tfjs-node, with
 * one fixed batch (normal inputs, labels in groups of four).
 */
export interface BenchTrainer {
  tf: typeof tfjs;
  trainer: GraphTrainer;
  x: Tensor;
  y: Tensor;
}

export async function benchTrainer(
  model: TrainModel,
  batch: number,
  side: number,
  onFallback: (reason: string) => void,
): Promise<BenchTrainer> {
  const { setupBackend, Rng } = await import('@tfsim/utils');
  await setupBackend({ backend: 'tfjs-node' });
  const tf = await import('@tensorflow/tfjs');
  const { MetricEmbedding } = await import('@tfsim/layers');
  const { MultiSimilarityLoss } = await import('@tfsim/losses');
  const { GraphTrainer } = await import('@tfsim/models');
  const net = benchModel(tf, MetricEmbedding, model, side);
  const optimizer = tf.train.adam(1e-3);
  const trainer = new GraphTrainer(benchStep(tf, net, new MultiSimilarityLoss(), optimizer), optimizer, onFallback);
  const rng = new Rng(7);
  const x = tf.tensor4d(
    Float32Array.from({ length: batch * side * side }, () => rng.normal()),
    [batch, side, side, 1],
  );
  const y = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => Math.floor(i / 4)),
    'int32',
  );
  return { tf, trainer, x, y };
}

/**
 * Compiles the bench step for `model` and writes its SavedModel, feeds and
 * manifest into `dir` (with our op library's path when the graph runs its
 * fused Adam: the replay loads it). Returns how the graph runs Adam.
 */
export async function writeCompiledStep(dir: string, model: TrainModel, batch: number, side: number): Promise<string> {
  let fellBack: string | null = null;
  const { tf, trainer, x, y } = await benchTrainer(model, batch, side, (reason) => (fellBack = reason));
  // one eager step, two traced ones: the graph is compiled after the third
  for (let i = 0; i < 3; i++) tf.dispose(trainer.run([x, y]) as Tensor[]);
  const described = trainer.describe([x, y]);
  if (!described) throw new Error(`the step was not compiled: ${fellBack ?? 'no reason given'}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'saved_model.pb'), described.savedModel);
  const writeFeeds = (prefix: string, fed: typeof described.inputs) =>
    fed.map((input, i) => {
      const file = `${prefix}_${i}.npy`;
      writeNpy(path.join(dir, file), input.values, input.shape);
      return { name: input.name, file };
    });
  const inputs = writeFeeds('feed', described.inputs);
  // the state lives in the graph's resource variables: the replay runs the init signature once with these values
  const initInputs = writeFeeds('init', described.init.inputs);
  const { opLibraryPath } = await import('@tfsim/models');
  const adam = trainer.adamFusion();
  fs.writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify(
      {
        model,
        batch,
        inputs,
        outputs: described.outputs,
        init: { inputs: initInputs, output: described.init.output },
        ...(adam.fused > 0 ? { opLibrary: opLibraryPath() } : {}),
      },
      null,
      1,
    ),
  );
  trainer.dispose();
  return adamSummary(adam);
}

/** How a compiled step runs Adam, for the benches' headers. */
export function adamSummary(adam: { fused: number; reason: string | null }): string {
  return adam.reason !== null ? `Adam as tfjs' kernels (${adam.reason})` : `Adam fused (TfsimAdamUpdate) for ${adam.fused} variables`;
}

export function profileTable(p: GraphProfile, top = 12): string {
  const rows = p.byOp.slice(0, top).map((e) => [e.op, fmt(e.calls, 0), fmt(e.ms, 2), `${fmt((100 * e.ms) / p.kernelMsPerStep, 0)}%`]);
  return [
    `TensorFlow ${p.tensorflow}: ${p.graphNodes} nodes written, ${p.optimizedNodes} after grappler; ${fmt(p.wallMsPerStep, 2)} ms per step untraced, ` +
      `${fmt(p.kernelsPerStep, 0)} kernels per step summing to ${fmt(p.kernelMsPerStep, 2)} ms (traced step ${fmt(p.tracedWallMsPerStep, 2)} ms wall).`,
    '',
    markdownTable(['op (after grappler)', 'calls/step', 'ms/step', 'share'], rows),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      model: { type: 'string', default: 'cnn' },
      batch: { type: 'string', default: '64' },
      side: { type: 'string', default: '28' },
      steps: { type: 'string', default: '50' },
      'trace-steps': { type: 'string', default: '10' },
      keep: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const model = values.model as TrainModel;
  if (model !== 'cnn' && model !== 'dense') throw new Error(`unknown model ${model}: expected cnn or dense`);
  const py = pythonExecutable();
  if (!py || !pythonHasModule('tensorflow'))
    throw new Error('no Python TensorFlow in the peers venv: run tools/bench/setup-python.sh (TFSIM_BENCH_VENV)');
  const dir = values.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-graph-profile-'));
  try {
    const adam = await writeCompiledStep(dir, model, Number(values.batch), Number(values.side));
    const res = runJsonChild<GraphProfile>(
      py,
      [
        path.join(PYTHON_DIR, 'profile_graph.py'),
        '--dir',
        dir,
        '--steps',
        values.steps,
        '--trace-steps',
        values['trace-steps'],
        ...positionals,
      ],
      { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } },
    );
    if (!res.ok) throw new Error(`profile_graph.py failed: ${res.error}`);
    console.log(
      values.json
        ? JSON.stringify(res.value)
        : `load ${os
            .loadavg()
            .map((v) => v.toFixed(2))
            .join(' / ')}; ${model}, batch ${values.batch}; ${adam}\n\n${profileTable(res.value)}`,
    );
  } finally {
    if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

runAsScript(module, main);
