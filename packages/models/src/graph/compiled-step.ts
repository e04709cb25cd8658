/**
 * A traced training step compiled into one TensorFlow session call: the
 * trace is written as a SavedModel, loaded through tfjs-node's session
 * runner (grappler optimises it there). The step's state (weights, optimizer
 * slots, moving statistics) lives in the session as resource variables, so a
 * run feeds only the batch and the learning rate and fetches only the
 * step's results: feeding and fetching every variable each step cost more
 * than the kernels of a small model (docs/performance.md). Two more
 * signatures of the same graph move the state: `push` writes the tfjs
 * variables into the session, `pull` reads the session's values back into
 * them (native tensors both ways: no copy to JavaScript).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { Tensor } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import { type GraphNode, savedModelBytes } from './graph-def';
import { type NativeBackend, tfDataType } from './native';
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

/** A compiled step written out: its SavedModel, one run's feeds (`name:0`, values) and fetches, and the state's initialisation. */
export interface StepDescription {
  savedModel: Uint8Array;
  inputs: FedValues[];
  outputs: string[];
  /** Run once before the step: feeds the variables' values into the session's resource variables. */
  init: { inputs: FedValues[]; output: string };
}

interface FedValues {
  name: string;
  dtype: string;
  shape: number[];
  values: Float32Array | Int32Array;
}

const ATTR_STRING = 0;
const ATTR_TYPE = 4;
const ATTR_SHAPE = 5;
const DT_INT32 = 3;

/** Each session gets its own variable names (sessions do not share resources today; names that never clash cost nothing). */
let sessions = 0;

/**
 * The trace with its state as resource variables: per state variable `j` a
 * handle `h_j`, its read `s_j` (replacing the trace's placeholder), and for
 * the variables the step changes an assign `w_j` that runs after the read;
 * the results are fetched through `r_i`, which depend on every assign. The
 * init signature (`init_j` placeholders, assigns, fetch `init_done`) writes
 * the variables.
 */
function withResourceState(
  trace: Trace,
  rateNames: Set<string>,
  resultDtypes: number[],
  variables: tf.Variable[],
  stateVars: number[],
): GraphNode[] {
  const prefix = `tfsim_${sessions++}_`;
  const dtypeOf = (j: number) => tfDataType(variables[j]!.dtype) ?? 1;
  const read = new Set(trace.stateIn);
  const nodes: GraphNode[] = trace.nodes.map((n): GraphNode => {
    if (n.kind === 'const' && rateNames.has(n.name)) return { kind: 'placeholder', name: n.name, dtype: 1, shape: [] };
    if (n.kind === 'placeholder' && n.name.startsWith('s_')) {
      return {
        kind: 'op',
        name: n.name,
        op: 'ReadVariableOp',
        attrs: [{ name: 'dtype', type: ATTR_TYPE, value: n.dtype }],
        inputs: [`h_${n.name.slice(2)}`],
      };
    }
    return n;
  });
  const initDeps: string[] = [];
  for (const j of stateVars) {
    const dtype = { name: 'dtype', type: ATTR_TYPE, value: dtypeOf(j) };
    nodes.push({
      kind: 'op',
      name: `h_${j}`,
      op: 'VarHandleOp',
      attrs: [
        { name: 'container', type: ATTR_STRING, value: '' },
        { name: 'shared_name', type: ATTR_STRING, value: `${prefix}${j}` },
        dtype,
        { name: 'shape', type: ATTR_SHAPE, value: variables[j]!.shape },
      ],
      inputs: [],
    });
    // read-back of a variable the step only writes (the step reads the others through their placeholders' new nodes)
    if (!read.has(j)) nodes.push({ kind: 'op', name: `s_${j}`, op: 'ReadVariableOp', attrs: [dtype], inputs: [`h_${j}`] });
    nodes.push({ kind: 'placeholder', name: `init_${j}`, dtype: dtypeOf(j), shape: variables[j]!.shape });
    nodes.push({ kind: 'op', name: `a_${j}`, op: 'AssignVariableOp', attrs: [dtype], inputs: [`h_${j}`, `init_${j}`] });
    initDeps.push(`^a_${j}`);
  }
  const numResults = resultDtypes.length;
  const assigns = trace.stateOut.map((j, k) => {
    // the read of j happens before its assign: a later read would see the new value
    const after = read.has(j) ? [`^s_${j}`] : [];
    nodes.push({
      kind: 'op',
      name: `w_${j}`,
      op: 'AssignVariableOp',
      attrs: [{ name: 'dtype', type: ATTR_TYPE, value: dtypeOf(j) }],
      inputs: [`h_${j}`, trace.outputs[numResults + k]!, ...after],
    });
    return `^w_${j}`;
  });
  resultDtypes.forEach((dtype, i) =>
    nodes.push({
      kind: 'op',
      name: `r_${i}`,
      op: 'Identity',
      attrs: [{ name: 'T', type: ATTR_TYPE, value: dtype }],
      inputs: [trace.outputs[i]!, ...assigns],
    }),
  );
  nodes.push({ kind: 'const', name: 'init_zero', dtype: DT_INT32, shape: [], values: Int32Array.of(0) });
  nodes.push({
    kind: 'op',
    name: 'init_done',
    op: 'Identity',
    attrs: [{ name: 'T', type: ATTR_TYPE, value: DT_INT32 }],
    inputs: ['init_zero', ...initDeps],
  });
  return nodes;
}

export class CompiledStep {
  private readonly session: number;
  private readonly inputNames: string;
  private readonly outputNames: string;
  private readonly nodes: GraphNode[];
  /** The variables that live in the session (indices into `variables`), and those the step changes. */
  private readonly stateVars: number[];
  private readonly initNames: string;
  private readonly readNames: string;
  /** The signs of the fed learning-rate inputs, each once. */
  private readonly rateSigns: number[];

  constructor(
    private readonly backend: NativeBackend,
    private readonly trace: Trace,
    private readonly rateInputs: RateInput[],
    resultDtypes: number[],
    /** The variables the trace was made with (its state indices point into them). */
    private readonly variables: tf.Variable[],
  ) {
    const rateNames = new Set(rateInputs.map((r) => r.name));
    this.rateSigns = [...new Set(rateInputs.map((r) => r.sign))];
    this.stateVars = [...new Set([...trace.stateIn, ...trace.stateOut])].sort((a, b) => a - b);
    const nodes = withResourceState(trace, rateNames, resultDtypes, variables, this.stateVars);
    const feeds = [
      ...trace.nodes.filter((n) => n.kind === 'placeholder' && n.name.startsWith('in_')).map((n) => n.name),
      ...rateInputs.map((r) => r.name),
    ];
    this.inputNames = feeds.map((n) => `${n}:0`).join(',');
    this.outputNames = resultDtypes.map((_, i) => `r_${i}:0`).join(',');
    this.initNames = this.stateVars.map((j) => `init_${j}:0`).join(',');
    this.readNames = trace.stateOut.map((j) => `s_${j}:0`).join(',');
    this.nodes = nodes;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-graph-'));
    try {
      // no variables/ folder: the loader restores nothing, and the variables stay uninitialised until push()
      fs.writeFileSync(path.join(dir, 'saved_model.pb'), savedModelBytes(nodes));
      this.session = backend.binding.loadSavedModel(dir, 'serve');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The variables the session holds (those the step reads or changes). */
  get state(): tf.Variable[] {
    return this.stateVars.map((j) => this.variables[j]!);
  }

  /** Writes the tfjs variables' values into the session's variables. */
  push(): void {
    if (this.stateVars.length === 0) return;
    const ids = this.backend.getInputTensorIds(this.state);
    const metas = this.backend.binding.runSavedModel(this.session, ids, this.initNames, 'init_done:0');
    for (const m of metas) this.backend.createOutputTensor(m).dispose();
  }

  /** Reads the session's values of the variables the step changes into the tfjs variables (except those in `keep`). */
  pull(keep?: ReadonlySet<tf.Variable>): void {
    if (this.trace.stateOut.length === 0) return;
    const metas = this.backend.binding.runSavedModel(this.session, [], '', this.readNames);
    this.trace.stateOut.forEach((j, k) => {
      const t = this.backend.createOutputTensor(metas[k]!);
      if (!keep?.has(this.variables[j]!)) this.variables[j]!.assign(t);
      t.dispose();
    });
  }

  /**
   * One training step on the session's state (push first): feeds the batch
   * and the learning rate and returns the step's results (the caller
   * disposes them); the tfjs variables are unchanged until `pull`.
   */
  run(feeds: Tensor[], rate: number | undefined): Tensor[] {
    // tfjs makes one -lr constant per variable: one tensor per sign feeds them all
    const bySign = new Map(this.rateSigns.map((sign) => [sign, tf.scalar(sign * (rate ?? Number.NaN))]));
    const rateTensors = this.rateInputs.map((r) => bySign.get(r.sign)!);
    try {
      const ids = this.backend.getInputTensorIds([...feeds, ...rateTensors]);
      const metas = this.backend.binding.runSavedModel(this.session, ids, this.inputNames, this.outputNames);
      return metas.map((m) => this.backend.createOutputTensor(m));
    } finally {
      tf.dispose([...bySign.values()]);
    }
  }

  /**
   * The graph as loaded (SavedModel bytes), the values one run with these
   * arguments would feed and the tfjs variables' values for the init
   * signature (copied to JavaScript): what a profiler outside this process
   * needs to replay a step.
   */
  describe(feeds: Tensor[], rate: number | undefined): StepDescription {
    const fed = (name: string, t: Tensor): FedValues => ({
      name,
      dtype: t.dtype,
      shape: t.shape,
      values: t.dataSync() as Float32Array | Int32Array,
    });
    const names = this.inputNames.split(',');
    const inputs = names.map((name, i) => {
      const t = feeds[i];
      if (t) return fed(name, t);
      const r = this.rateInputs[i - feeds.length]!;
      return { name, dtype: 'float32', shape: [], values: Float32Array.of(r.sign * (rate ?? Number.NaN)) };
    });
    const init = this.stateVars.map((j) => fed(`init_${j}:0`, this.variables[j]!));
    return {
      savedModel: savedModelBytes(this.nodes),
      inputs,
      outputs: this.outputNames.split(','),
      init: { inputs: init, output: 'init_done:0' },
    };
  }

  dispose(): void {
    this.backend.binding.deleteSavedModel(this.session);
  }
}
