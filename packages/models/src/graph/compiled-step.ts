/**
 * A traced training step compiled into one TensorFlow session call: the
 * trace is written as a SavedModel, loaded through tfjs-node's session
 * runner (grappler optimises it there), and each run feeds the batch and the
 * variables' native tensors and puts the new values back into the variables
 * (the tensors stay native: no copy to JavaScript).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { Tensor } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import { type GraphNode, savedModelBytes } from './graph-def';
import type { NativeBackend } from './native';
import type { Trace } from './trace';

/** A constant of the trace fed from the learning rate (times `sign`) at each run. */
interface RateInput {
  name: string;
  sign: number;
}

/**
 * Compares two traces of the same step and finds what must be fed rather
 * than frozen: constants equal to plus or minus the learning rate in both
 * become inputs. Returns a reason when the step cannot be a graph.
 */
export function reconcile(
  a: Trace,
  b: Trace,
  rates: [number | undefined, number | undefined],
): { rateInputs: RateInput[] } | { reason: string } {
  if (a.unsupported || b.unsupported) return { reason: (a.unsupported ?? b.unsupported)! };
  if (a.signature !== b.signature)
    return { reason: 'the step runs different kernels from one step to the next (control flow that depends on values)' };
  const rateInputs: RateInput[] = [];
  for (let i = 0; i < a.nodes.length; i++) {
    const na = a.nodes[i]!;
    const nb = b.nodes[i]!;
    if (na.kind !== 'const' || nb.kind !== 'const') continue;
    const sign = rateSign(na, rates[0]) ?? 0;
    if (sign !== 0 && rateSign(nb, rates[1]) === sign) {
      rateInputs.push({ name: na.name, sign });
      continue;
    }
    if (!sameValues(na.values, nb.values)) {
      return {
        reason: `a tensor made in JavaScript (shape [${na.shape.join(', ')}]) changes from one step to the next: JavaScript-side random numbers (noise layers) or values computed in JavaScript cannot be frozen into a graph`,
      };
    }
  }
  return { rateInputs };
}

function rateSign(node: GraphNode & { kind: 'const' }, rate: number | undefined): number | null {
  if (rate === undefined || node.dtype !== 1 || node.values.length !== 1 || node.shape.length !== 0 || rate === 0) return null;
  const v = node.values[0]!;
  if (v === Math.fround(rate)) return 1;
  if (v === Math.fround(-rate)) return -1;
  return null;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/** A compiled step written out: its SavedModel, one run's feeds (`name:0`, values) and its fetches. */
export interface StepDescription {
  savedModel: Uint8Array;
  inputs: Array<{ name: string; dtype: string; shape: number[]; values: Float32Array | Int32Array }>;
  outputs: string[];
}

export class CompiledStep {
  private readonly session: number;
  private readonly inputNames: string;
  private readonly outputNames: string;
  private readonly numResults: number;
  private readonly nodes: GraphNode[];

  constructor(
    private readonly backend: NativeBackend,
    private readonly trace: Trace,
    private readonly rateInputs: RateInput[],
    numResults: number,
  ) {
    const rateNames = new Set(rateInputs.map((r) => r.name));
    const nodes: GraphNode[] = trace.nodes.map((n) =>
      n.kind === 'const' && rateNames.has(n.name) ? { kind: 'placeholder', name: n.name, dtype: 1, shape: [] } : n,
    );
    const feeds = [
      ...nodes.filter((n) => n.kind === 'placeholder' && !rateNames.has(n.name)).map((n) => n.name),
      ...rateInputs.map((r) => r.name),
    ];
    this.inputNames = feeds.map((n) => `${n}:0`).join(',');
    this.outputNames = trace.outputs.map((o) => (o.includes(':') ? o : `${o}:0`)).join(',');
    this.numResults = numResults;
    this.nodes = nodes;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-graph-'));
    try {
      fs.writeFileSync(path.join(dir, 'saved_model.pb'), savedModelBytes(nodes));
      this.session = backend.binding.loadSavedModel(dir, 'serve');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * One training step: feeds the batch, the variables and the learning rate,
   * puts the new values into the variables and returns the step's results
   * (the caller disposes them).
   */
  run(feeds: Tensor[], variables: tf.Variable[], rate: number | undefined): Tensor[] {
    const rateTensors = this.rateInputs.map((r) => tf.scalar(r.sign * (rate ?? Number.NaN)));
    try {
      const inputs = [...feeds, ...this.trace.stateIn.map((j) => variables[j]!), ...rateTensors];
      const ids = this.backend.getInputTensorIds(inputs);
      const metas = this.backend.binding.runSavedModel(this.session, ids, this.inputNames, this.outputNames);
      const out = metas.map((m) => this.backend.createOutputTensor(m));
      this.trace.stateOut.forEach((j, k) => {
        const t = out[this.numResults + k]!;
        variables[j]!.assign(t);
        t.dispose();
      });
      return out.slice(0, this.numResults);
    } finally {
      tf.dispose(rateTensors);
    }
  }

  /**
   * The graph as loaded (SavedModel bytes), the values one run with these
   * arguments would feed (copied to JavaScript), and the tensors it fetches:
   * what a profiler outside this process needs to replay a step.
   */
  describe(feeds: Tensor[], variables: tf.Variable[], rate: number | undefined): StepDescription {
    const names = this.inputNames.split(',');
    const tensors: Tensor[] = [...feeds, ...this.trace.stateIn.map((j) => variables[j]!)];
    const inputs = names.map((name, i) => {
      const t = tensors[i];
      if (t) return { name, dtype: t.dtype, shape: t.shape, values: t.dataSync() as Float32Array | Int32Array };
      const r = this.rateInputs[i - tensors.length]!;
      return { name, dtype: 'float32', shape: [], values: Float32Array.of(r.sign * (rate ?? Number.NaN)) };
    });
    return { savedModel: savedModelBytes(this.nodes), inputs, outputs: this.outputNames.split(',') };
  }

  dispose(): void {
    this.backend.binding.deleteSavedModel(this.session);
  }
}
