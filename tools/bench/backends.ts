/**
 * `pnpm --filter @tfsim/tools bench:backends [--reps N] [--json out.json] [--doc docs/backends.md]`
 *
 * Measures each available TensorFlow.js backend on the same three jobs, one
 * child process per backend (a process keeps the backend it chose):
 *   - one 2000x64 by 64x10000 matMul (2.56 GFLOP), read back;
 *   - one training step of a small CNN (28x28x1, batch 64);
 *   - one training step of an MLP (784-256-128-10, batch 64).
 * Reports median milliseconds and the speed-up over `cpu`, all from one run.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import type * as tfjs from '@tensorflow/tfjs';

import { runAsScript } from './common';

export interface BackendTimings {
  backend: string;
  available: boolean;
  reason?: string;
  /** Settings setupBackend applied (e.g. oneDNN off where it crashes). */
  notes?: string[];
  matmulMs?: number;
  matmulGflops?: number;
  cnnStepMs?: number;
  mlpStepMs?: number;
}

// 'tfjs-node+onednn': native with oneDNN forced on (TF_ENABLE_ONEDNN_OPTS=1),
// to show what setupBackend's oneDNN-off setting costs where it applies.
const BACKENDS = ['tfjs-node', 'tfjs-node+onednn', 'wasm', 'cpu'];
const ONEDNN_ON = '+onednn';
const DOC_BEGIN = '<!-- bench:backends:begin -->';
const DOC_END = '<!-- bench:backends:end -->';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs inside the child process: measures the active backend. */
async function measure(backend: string, reps: number, tiny: boolean): Promise<BackendTimings> {
  // --tiny shrinks every job (used by the test that checks this script runs).
  const [m, n, batch, side] = tiny ? [200, 1000, 4, 16] : [2000, 10000, 64, 28];
  const { setupBackend } = await import('@tfsim/utils');
  if (backend.endsWith(ONEDNN_ON)) process.env.TF_ENABLE_ONEDNN_OPTS = '1';
  let notes: string[];
  try {
    notes = (await setupBackend({ backend: backend.replace(ONEDNN_ON, '') })).notes;
  } catch (err) {
    return { backend, available: false, reason: (err as Error).message };
  }
  const tf = await import('@tensorflow/tfjs');
  const time = async (fn: () => Promise<void>): Promise<number> => {
    await fn(); // warm-up: kernel compilation, first allocation
    const samples: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await fn();
      samples.push(performance.now() - t0);
    }
    return median(samples);
  };

  const a = tf.randomNormal([m, 64]);
  const b = tf.randomNormal([64, n]);
  const matmulMs = await time(async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  });
  tf.dispose([a, b]);

  const step = async (model: tfjs.LayersModel, x: tfjs.Tensor, y: tfjs.Tensor) =>
    time(async () => {
      await model.trainOnBatch(x, y);
    });

  const cnn = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [side, side, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64 }),
    ],
  });
  cnn.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  const xImg = tf.randomNormal([batch, side, side, 1]);
  const yCnn = tf.randomNormal([batch, 64]);
  let cnnStepMs: number | undefined;
  try {
    cnnStepMs = await step(cnn, xImg, yCnn);
  } catch {
    cnnStepMs = undefined; // e.g. wasm lacks Conv2DBackpropFilter
  }

  const mlp = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  });
  mlp.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  const xFlat = tf.randomNormal([batch, 784]);
  const yMlp = tf.randomNormal([batch, 10]);
  const mlpStepMs = await step(mlp, xFlat, yMlp);

  return {
    backend,
    available: true,
    notes,
    matmulMs,
    matmulGflops: (2 * m * 64 * n) / (matmulMs * 1e6),
    cnnStepMs,
    mlpStepMs,
  };
}

function fmt(ms: number | undefined, base: number | undefined): string {
  if (ms === undefined) return 'n/a';
  const ratio = base !== undefined ? ` (${(base / ms).toFixed(1)}x)` : '';
  return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms${ratio}`;
}

export function markdownTable(results: BackendTimings[], machine: string): string {
  const cpu = results.find((r) => r.backend === 'cpu');
  const label = (r: BackendTimings) =>
    r.backend.endsWith(ONEDNN_ON)
      ? `${r.backend.replace(ONEDNN_ON, '')} (oneDNN forced on)`
      : `${r.backend}${r.notes?.some((n) => n.startsWith('oneDNN off')) ? ' (oneDNN off: it crashes here)' : ''}`;
  const rows = results.map((r) =>
    r.available
      ? `| ${label(r)} | ${fmt(r.matmulMs, cpu?.matmulMs)}, ${r.matmulGflops!.toFixed(1)} GFLOP/s | ${fmt(r.cnnStepMs, cpu?.cnnStepMs)} | ${fmt(r.mlpStepMs, cpu?.mlpStepMs)} |`
      : `| ${label(r)} | not available: ${r.reason?.split('\n')[0]} | | |`,
  );
  return [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}, one run, median of repeated timings; speed-up over \`cpu\` in parentheses.`,
    '',
    '| backend | matMul 2000x64 · 64x10000 | CNN training step (batch 64) | MLP training step (batch 64) |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function machineDescription(): string {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, TensorFlow.js 4.22.0`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      reps: { type: 'string', default: '5' },
      json: { type: 'string' },
      doc: { type: 'string' },
      backends: { type: 'string', default: BACKENDS.join(',') },
      tiny: { type: 'boolean', default: false },
    },
  });
  const reps = Number(values.reps);
  if (values.child) {
    const result = await measure(values.child, reps, values.tiny);
    process.stdout.write(`\n${JSON.stringify(result)}\n`);
    return;
  }
  const results: BackendTimings[] = [];
  for (const backend of values.backends.split(',')) {
    const out = execFileSync(
      process.execPath,
      [...process.execArgv, __filename, '--child', backend, '--reps', String(reps), ...(values.tiny ? ['--tiny'] : [])],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const result = JSON.parse(out.trim().split('\n').pop()!) as BackendTimings;
    results.push(result);
    console.error(`${backend}: ${JSON.stringify(result)}`);
  }
  const machine = machineDescription();
  const table = markdownTable(results, machine);
  console.log(table);
  if (values.json) {
    fs.mkdirSync(path.dirname(values.json), { recursive: true });
    fs.writeFileSync(values.json, JSON.stringify({ machine, date: new Date().toISOString(), results }, null, 2) + '\n');
  }
  if (values.doc) {
    const doc = fs.readFileSync(values.doc, 'utf8');
    const begin = doc.indexOf(DOC_BEGIN);
    const end = doc.indexOf(DOC_END);
    if (begin === -1 || end === -1) throw new Error(`${values.doc} has no ${DOC_BEGIN} ... ${DOC_END} markers`);
    fs.writeFileSync(values.doc, doc.slice(0, begin + DOC_BEGIN.length) + '\n' + table + '\n' + doc.slice(end));
  }
}

runAsScript(module, main);
