/**
 * `pnpm --filter @tfsim/tools bench:train [--steps 30] [--dense-steps 200] [--cpu-steps 2] [--rounds 2] [--models cnn,dense] [--tiny] [--json f] [--doc f] [--no-python] [--python-peers tensorflow,torch]`
 *
 * Training throughput (samples per second) with MultiSimilarityLoss at batch
 * 64 (16 classes x 4 examples, 28x28x1 inputs) of two fixed models:
 *   cnn:   conv 3x3x32 relu, maxpool 2, conv 3x3x64 relu, maxpool 2, flatten,
 *          dense 64, L2 normalisation;
 *   dense: flatten, dense 256 relu, dense 128 relu, dense 64, L2 normalisation;
 * Adam 1e-3; loss defaults of the Python library (cosine, alpha 2, beta 40,
 * epsilon 0.1, lambda 0.5). tfjs-node runs twice: eager (one kernel call
 * from JavaScript at a time) and in graph mode (`tfjs-node graph`: the
 * GraphTrainer of @tfsim/models, which SimilarityModel.fit uses, one
 * TensorFlow session call per step).
 * On every TensorFlow.js backend (one child process each: a process keeps its
 * backend), and, in the same run, on Python TensorFlow (python/train_tf.py, the
 * loss written there) and on pytorch-metric-learning with CPU torch
 * (python/train_torch.py, its MultiSimilarityLoss and MultiSimilarityMiner).
 * The native backend and the two Python peers run back to back in `rounds`
 * rounds; each reports its best round. Each step reads the loss back, so every
 * step is complete when timed.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import type * as tfjs from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs';

import {
  fmt,
  type Machine,
  machine,
  machineLine,
  markdownTable,
  nodeArgs,
  publishResults,
  PYTHON_DIR,
  pythonExecutable,
  pythonHasModule,
  RESULTS_DIR,
  runAsScript,
  runJsonChild,
} from './common';

export type TrainModel = 'cnn' | 'dense';

/** The peer name of tfjs-node in graph mode (its child process is started with this backend name). */
export const GRAPH_PEER = 'tfjs-node graph';

export interface TrainRun {
  /** `tfjs-node`, `tfjs-node graph`, `wasm`, `cpu`, `python-tensorflow`, `pytorch-metric-learning`. */
  peer: string;
  /** Which model (default cnn). */
  model?: TrainModel;
  available: boolean;
  reason?: string;
  version?: string;
  batch?: number;
  steps?: number;
  stepMs?: number;
  /** Process CPU time (user + system, all threads) per step: steadier than wall time on a busy machine. */
  cpuMsPerStep?: number;
  samplesPerSec?: number;
  /** Loss of the last step (a sanity check: positive and finite). */
  loss?: number;
  /** TensorFlow.js backends: one step under tf.profile. */
  profile?: StepProfile;
}

export interface StepProfile {
  /** Kernels dispatched by one training step. */
  kernels: number;
  /** Their summed kernel time (ms), against the step's wall time. */
  kernelMs: number;
  wallMs: number;
  /** Forward pass alone (ms), no tape. */
  forwardMs: number;
  /** The most expensive kernels: name, calls, ms. */
  top: Array<{ name: string; calls: number; ms: number }>;
}

export interface TrainResults {
  benchmark: 'train';
  machine: Machine;
  batch: number;
  side: number;
  runs: TrainRun[];
  /** tfjs-node samples/s over Python TensorFlow's in each round (back to back). */
  nativeOverTensorflowByRound: number[];
  /** Their mean (target >= 0.8). */
  nativeOverTensorflow?: number;
  nativeOverTorchByRound: number[];
  nativeOverTorch?: number;
  /** oneDNN setting of both TensorFlows (tfjs-node and Python), e.g. 'off (...)'. */
  oneDnn?: string;
  /** tfjs-node graph mode over each peer, per model, round by round (back to back). */
  graphRatios?: Array<{ model: TrainModel; over: string; byRound: number[]; mean?: number }>;
}

interface ChildArgs {
  steps: number;
  warmup: number;
  batch: number;
  side: number;
  model: TrainModel;
}

const GRAPH_BACKEND = 'tfjs-node-graph';

/** The benchmark's models (see the header); `embedding` is @tfsim/layers' MetricEmbedding. */
export function benchModel(
  tf: typeof tfjs,
  embedding: new (args: { units: number }) => tfjs.layers.Layer,
  kind: TrainModel,
  side: number,
): tfjs.Sequential {
  return tf.sequential({
    layers:
      kind === 'dense'
        ? [
            tf.layers.flatten({ inputShape: [side, side, 1] }),
            tf.layers.dense({ units: 256, activation: 'relu' }),
            tf.layers.dense({ units: 128, activation: 'relu' }),
            new embedding({ units: 64 }),
          ]
        : [
            tf.layers.conv2d({ inputShape: [side, side, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
            tf.layers.maxPooling2d({ poolSize: 2 }),
            tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
            tf.layers.maxPooling2d({ poolSize: 2 }),
            tf.layers.flatten(),
            new embedding({ units: 64 }),
          ],
  });
}

/** The training step GraphTrainer runs in graph mode (minimize is variableGrads + applyGradients). */
export function benchStep(
  tf: typeof tfjs,
  model: tfjs.LayersModel,
  loss: { call(yTrue: Tensor, yPred: Tensor): Tensor },
  optimizer: tfjs.Optimizer,
): (feeds: Tensor[]) => Tensor[] {
  return ([x, y]) => {
    const vars = model.trainableWeights.map((w) => w.read() as tfjs.Variable);
    const { value, grads } = tf.variableGrads(() => loss.call(y!, model.apply(x!, { training: true }) as Tensor) as tfjs.Scalar, vars);
    optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
    tf.dispose(Object.values(grads));
    return [value];
  };
}

/** Inside the child: trains on the requested backend and returns its throughput. */
async function trainChild(backend: string, a: ChildArgs): Promise<TrainRun> {
  const { setupBackend, Rng } = await import('@tfsim/utils');
  const graph = backend === GRAPH_BACKEND;
  const peer = graph ? GRAPH_PEER : backend;
  try {
    await setupBackend({ backend: graph ? 'tfjs-node' : backend });
  } catch (err) {
    return { peer, model: a.model, available: false, reason: (err as Error).message.split('\n')[0] };
  }
  const tf = await import('@tensorflow/tfjs');
  const { MetricEmbedding } = await import('@tfsim/layers');
  const { MultiSimilarityLoss } = await import('@tfsim/losses');
  const { GraphTrainer } = await import('@tfsim/models');
  const model = benchModel(tf, MetricEmbedding, a.model, a.side);
  const loss = new MultiSimilarityLoss();
  const optimizer = tf.train.adam(1e-3);
  const rng = new Rng(7);
  const batches = Array.from({ length: 4 }, () => {
    const x = Float32Array.from({ length: a.batch * a.side * a.side }, () => rng.normal());
    return tf.tensor4d(x, [a.batch, a.side, a.side, 1]);
  });
  const labels = tf.tensor1d(
    Array.from({ length: a.batch }, (_, i) => Math.floor(i / 4)),
    'int32',
  );
  let last = Number.NaN;
  const eagerStep = async (i: number) => {
    const value = optimizer.minimize(
      () => loss.call(labels, model.apply(batches[i % batches.length]!, { training: true }) as never) as tfjs.Scalar,
      true,
    );
    last = (await value!.data())[0]!;
    value!.dispose();
  };
  // Graph mode: the same step, run by GraphTrainer.
  let fellBack: string | null = null;
  const trainer = graph ? new GraphTrainer(benchStep(tf, model, loss, optimizer), optimizer, (reason) => (fellBack = reason)) : null;
  const step = trainer
    ? async (i: number) => {
        const [value] = trainer.run([batches[i % batches.length]!, labels]);
        last = (await value!.data())[0]!;
        value!.dispose();
      }
    : eagerStep;
  try {
    // graph mode: one eager step and two traced ones before the first graph step
    for (let i = 0; i < (graph ? Math.max(a.warmup, 3) + 1 : a.warmup); i++) await step(i);
  } catch (err) {
    return { peer, model: a.model, available: false, reason: `training fails: ${(err as Error).message.split('\n')[0]}` };
  }
  if (fellBack !== null) return { peer, model: a.model, available: false, reason: `graph mode fell back: ${String(fellBack)}` };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < a.steps; i++) await step(i);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const profile = tf.getBackend() === 'tensorflow' && !graph ? await profileStep(tf, step, model, batches) : undefined;
  trainer?.dispose();
  return {
    peer,
    model: a.model,
    available: true,
    version: `TensorFlow.js ${tf.version.tfjs} (${tf.getBackend()}${graph ? ', graph mode' : ''})`,
    batch: a.batch,
    steps: a.steps,
    stepMs: ms / a.steps,
    cpuMsPerStep: (cpu.user + cpu.system) / 1000 / a.steps,
    samplesPerSec: (a.steps * a.batch * 1000) / ms,
    loss: last,
    profile,
  };
}

/** Where a step's time goes: one step under tf.profile, and the forward pass alone. */
async function profileStep(
  tf: typeof tfjs,
  step: (i: number) => Promise<void>,
  model: { predict(x: Tensor): Tensor | Tensor[] },
  batches: Tensor[],
): Promise<StepProfile> {
  const p0 = performance.now();
  const info = await tf.profile(async () => {
    await step(0);
  });
  const wallMs = performance.now() - p0;
  const byKernel = new Map<string, { calls: number; ms: number }>();
  let kernelMs = 0;
  for (const k of info.kernels) {
    const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    kernelMs += t;
    const e = byKernel.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls++;
    e.ms += t;
    byKernel.set(k.name, e);
  }
  const f0 = performance.now();
  for (let i = 0; i < 3; i++) {
    const out = model.predict(batches[i]!) as Tensor;
    await out.data();
    out.dispose();
  }
  const forwardMs = (performance.now() - f0) / 3;
  return {
    kernels: info.kernels.length,
    kernelMs,
    wallMs,
    forwardMs,
    top: [...byKernel.entries()]
      .map(([name, e]) => ({ name, ...e }))
      .sort((x, y) => y.ms - x.ms)
      .slice(0, 6),
  };
}

const PY_PEERS = [
  { key: 'tensorflow', peer: 'python-tensorflow', script: 'train_tf.py', modules: ['tensorflow'] },
  { key: 'torch', peer: 'pytorch-metric-learning', script: 'train_torch.py', modules: ['torch', 'pytorch_metric_learning'] },
];

/** The measurement's size, as every child (JS and Python) takes it. */
function stepFlags(a: ChildArgs): string[] {
  return ['--steps', String(a.steps), '--warmup', String(a.warmup), '--batch', String(a.batch), '--side', String(a.side)];
}

function runJs(backend: string, a: ChildArgs): TrainRun {
  const [cmd, args] = nodeArgs(__filename, ['--child', backend, ...stepFlags(a), '--models', a.model]);
  const res = runJsonChild<TrainRun>(cmd, args, { env: { ...process.env, TFSIM_BACKEND: '' } });
  return res.ok
    ? res.value
    : { peer: backend === GRAPH_BACKEND ? GRAPH_PEER : backend, model: a.model, available: false, reason: res.error };
}

function runPython(peer: (typeof PY_PEERS)[number], a: ChildArgs): TrainRun {
  const py = pythonExecutable();
  if (!py) return { peer: peer.peer, model: a.model, available: false, reason: 'no Python venv: run tools/bench/setup-python.sh' };
  const missing = peer.modules.filter((m) => !pythonHasModule(m));
  if (missing.length)
    return {
      peer: peer.peer,
      model: a.model,
      available: false,
      reason: `not installed in ${path.dirname(path.dirname(py))}: ${missing.join(', ')}`,
    };
  const res = runJsonChild<TrainRun>(py, [path.join(PYTHON_DIR, peer.script), ...stepFlags(a), '--model', a.model], {
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  return res.ok
    ? { ...res.value, peer: peer.peer, model: a.model }
    : { peer: peer.peer, model: a.model, available: false, reason: res.error };
}

function best(runs: TrainRun[]): TrainRun {
  const ok = runs.filter((r) => r.available);
  if (!ok.length) return runs[runs.length - 1]!;
  return ok.reduce((b, r) => (r.samplesPerSec! > b.samplesPerSec! ? r : b));
}

export function trainTable(r: TrainResults): string {
  const rows = r.runs.map((x) =>
    x.available
      ? [x.model ?? 'cnn', x.peer, x.version ?? '', fmt(x.samplesPerSec), fmt(x.stepMs), String(x.steps)]
      : [x.model ?? 'cnn', x.peer, `not available: ${x.reason ?? ''}`, '', '', ''],
  );
  const ratio = (model: TrainModel, over: string) => r.graphRatios?.find((g) => g.model === model && g.over === over);
  const targets = (['cnn', 'dense'] as const).flatMap((model) => {
    const tf = ratio(model, 'python-tensorflow');
    const torch = ratio(model, 'pytorch-metric-learning');
    const eager = ratio(model, 'tfjs-node');
    if (!tf && !torch && !eager) return [];
    const part = (name: string, g: typeof tf, goal: number) =>
      g?.mean === undefined
        ? `${name}: not measured`
        : `${name} ${fmt(g.mean, 2)} (rounds ${g.byRound.map((v) => fmt(v, 2)).join(', ')}; target >= ${goal}: ${g.mean >= goal ? 'met' : 'missed'})`;
    return [
      `- ${model}: tfjs-node graph over ${part('Python TensorFlow', tf, 0.8)}; over ${part('pytorch-metric-learning', torch, 1.5)}; over ${part('tfjs-node eager', eager, 4)}.`,
    ];
  });
  const eagerTarget =
    r.nativeOverTensorflow === undefined
      ? 'tfjs-node eager over Python TensorFlow (cnn): not measured (a peer is missing).'
      : `tfjs-node eager over Python TensorFlow (cnn): ${fmt(r.nativeOverTensorflow, 2)} (rounds ${r.nativeOverTensorflowByRound.map((x) => fmt(x, 2)).join(', ')}).`;
  const profiles = r.runs
    .filter((x) => x.profile)
    .map(
      (x) =>
        `- ${x.peer} (${x.model ?? 'cnn'}, eager): one profiled step ${fmt(x.profile!.wallMs)} ms wall, ${x.profile!.kernels} kernels dispatched, ${fmt(x.profile!.kernelMs)} ms inside them; forward pass alone ${fmt(x.profile!.forwardMs)} ms. ` +
        `Top kernels: ${x.profile!.top.map((k) => `${k.name} x${k.calls} ${fmt(k.ms)} ms`).join(', ')}.`,
    );
  return [
    `Machine: ${machineLine(r.machine)}.`,
    '',
    `MultiSimilarityLoss, Adam, batch ${r.batch}, 28x28x1 inputs; cnn: two conv, dense 64, L2; dense: 256-128-64, L2. tfjs-node eager, tfjs-node graph and the Python peers run back to back in each round; the table shows each peer's best round, the ratios are per round.` +
      (r.oneDnn ? ` oneDNN for tfjs-node and Python TensorFlow alike: ${r.oneDnn}.` : ''),
    '',
    markdownTable(['model', 'peer', 'version', 'samples/s', 'ms/step', 'timed steps'], rows),
    '',
    'Graph mode:',
    '',
    ...(targets.length ? targets : ['- not measured']),
    '',
    eagerTarget,
    ...(profiles.length ? ['', 'Profile (tf.profile of one eager step, TensorFlow.js backends):', '', ...profiles] : []),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      steps: { type: 'string', default: '30' },
      /**
       * Timed steps of the dense model: its step is ~1-2 ms, so 30 steps
       * would time ~50 ms per peer and round, where one scheduler hiccup moves
       * a ratio by 0.3; 200 steps time about as long as the CNN's 30.
       */
      'dense-steps': { type: 'string', default: '200' },
      'cpu-steps': { type: 'string', default: '2' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '2' },
      batch: { type: 'string', default: '64' },
      side: { type: 'string', default: '28' },
      backends: { type: 'string', default: 'tfjs-node,tfjs-node-graph,wasm,cpu' },
      /** Which models: `cnn`, `dense` (comma-separated; a child takes one). */
      models: { type: 'string', default: 'cnn,dense' },
      tiny: { type: 'boolean', default: false },
      'no-python': { type: 'boolean', default: false },
      /** Which Python peers: `tensorflow`, `torch` (comma-separated). */
      'python-peers': { type: 'string', default: 'tensorflow,torch' },
      json: { type: 'string', default: path.join(RESULTS_DIR, 'train.json') },
      doc: { type: 'string' },
    },
  });
  const tiny = values.tiny;
  const models = values.models.split(',').filter(Boolean) as TrainModel[];
  for (const m of models) if (m !== 'cnn' && m !== 'dense') throw new Error(`unknown model ${m}: expected cnn or dense`);
  const a: ChildArgs = {
    steps: tiny ? 2 : Number(values.steps),
    warmup: tiny ? 1 : Number(values.warmup),
    batch: tiny ? 16 : Number(values.batch),
    side: tiny ? 12 : Number(values.side),
    model: models[0] ?? 'cnn',
  };
  if (values.child) {
    const result = await trainChild(values.child, a);
    process.stdout.write(`\n${JSON.stringify(result)}\n`);
    return;
  }
  const m = machine();
  // Both TensorFlows run with the same oneDNN setting: off where setup:native
  // found it crashing (prepareNativeBackend sets TF_ENABLE_ONEDNN_OPTS=0 here,
  // and every child inherits it), unless the caller set the variable.
  let oneDnn = process.env.TF_ENABLE_ONEDNN_OPTS === '0' ? 'off (TF_ENABLE_ONEDNN_OPTS=0)' : 'on';
  try {
    const { prepareNativeBackend } = await import('@tfsim/utils');
    if (prepareNativeBackend().length > 0) oneDnn = 'off (it crashes on this machine; TF_ENABLE_ONEDNN_OPTS=0)';
  } catch {
    // no native tfjs build: the setting only concerns Python TensorFlow
  }
  const backends = values.backends.split(',').filter(Boolean);
  const nativeBackends: string[] = backends.filter((b) => b === 'tfjs-node' || b === GRAPH_BACKEND);
  const rounds = tiny ? 1 : Number(values.rounds);
  const wanted = values['python-peers'].split(',');
  const peers = values['no-python'] ? [] : PY_PEERS.filter((p) => wanted.includes(p.key));
  // Native backend (eager and graph) and Python peers back to back, `rounds` times, per model.
  const byPeer = new Map<string, TrainRun[]>();
  const key = (model: TrainModel, peer: string) => `${model}:${peer}`;
  const record = (run: TrainRun) => {
    console.error(
      `${run.model ?? 'cnn'} ${run.peer}: ${run.available ? `${fmt(run.samplesPerSec)} samples/s (${fmt(run.stepMs)} ms/step)` : `unavailable: ${run.reason}`}`,
    );
    const k = key(run.model ?? 'cnn', run.peer);
    byPeer.set(k, [...(byPeer.get(k) ?? []), run]);
  };
  const stepsOf = (model: TrainModel) => (model === 'dense' && !tiny ? Number(values['dense-steps']) : a.steps);
  for (let round = 0; round < rounds; round++) {
    for (const model of models) {
      const args = { ...a, model, steps: stepsOf(model) };
      for (const b of nativeBackends) record(runJs(b, args));
      for (const p of peers) {
        const prev = byPeer.get(key(model, p.peer));
        if (prev && !prev[0]!.available) continue;
        record(runPython(p, args));
      }
    }
  }
  // the portable backends: the CNN only (they are far slower, and wasm cannot train it)
  for (const backend of backends.filter((b) => !nativeBackends.includes(b))) {
    record(
      runJs(
        backend,
        backend === 'cpu' && !tiny ? { ...a, model: 'cnn', steps: Number(values['cpu-steps']), warmup: 1 } : { ...a, model: 'cnn' },
      ),
    );
  }
  const runs = [...byPeer.values()].map(best);
  const byRound = (model: TrainModel, peer: string, over: string) =>
    (byPeer.get(key(model, peer)) ?? []).flatMap((n, i) => {
      const other = byPeer.get(key(model, over))?.[i];
      return n.available && other?.available ? [n.samplesPerSec! / other.samplesPerSec!] : [];
    });
  const mean = (xs: number[]) => (xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : undefined);
  const overTf = byRound('cnn', 'tfjs-node', 'python-tensorflow');
  const overTorch = byRound('cnn', 'tfjs-node', 'pytorch-metric-learning');
  const graphRatios = models.flatMap((model) =>
    ['python-tensorflow', 'pytorch-metric-learning', 'tfjs-node'].map((over) => {
      const rs = byRound(model, GRAPH_PEER, over);
      return { model, over, byRound: rs, mean: mean(rs) };
    }),
  );
  const results: TrainResults = {
    benchmark: 'train',
    machine: m,
    batch: a.batch,
    side: a.side,
    runs,
    nativeOverTensorflowByRound: overTf,
    nativeOverTensorflow: mean(overTf),
    nativeOverTorchByRound: overTorch,
    nativeOverTorch: mean(overTorch),
    oneDnn,
    graphRatios,
  };
  publishResults(values.json, results, trainTable(results), values.doc, 'train');
}

runAsScript(module, main);
