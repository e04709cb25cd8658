/**
 * Tracing one eager training step into a TensorFlow graph: while the step
 * runs normally, every kernel tfjs-node executes is recorded as a graph node
 * (its TensorFlow op name and attributes are the ones tfjs-node passes), and
 * native tensor ids are mapped to the node outputs that produce them. The
 * step's inputs (the batch) and the variables it reads become placeholders;
 * tensors made in JavaScript become constants; variables whose tensor
 * changed become outputs.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import type { GraphNode, OpAttr, TypedValues } from './graph-def';
import { type Binding, type NativeBackend, nativeId, tfDataType } from './native';
import { graphOp } from './rewrite';

export interface Trace {
  /** Placeholders first (batch `in_i`, then variables `s_j`), then constants and ops in execution order. */
  nodes: GraphNode[];
  /** Indices (into the traced variables) of the variables fed, in placeholder order after the batch. */
  stateIn: number[];
  /** Node outputs (`name:index`) of the step's results, then of the changed variables. */
  outputs: string[];
  /** Indices of the variables whose new values are the outputs after the step's results. */
  stateOut: number[];
  /** The graph's structure without constant values: two traces with equal signatures differ only in constants. */
  signature: string;
  /** Why this step cannot run as a graph (null when it can). */
  unsupported: string | null;
}

interface TraceState {
  refs: Map<number, string>;
  created: Map<number, { shape: number[]; dtype: number; values: TypedValues }>;
  known: Map<number, { shape: number[]; dtype: string }>;
  nodes: GraphNode[];
  consts: GraphNode[];
  stateIds: Map<number, number>;
  stateUsed: Set<number>;
  unsupported: string | null;
  /** Native ids computed from the batch and constants alone (not from variables). */
  fromBatch: Set<number>;
  /** TensorFlow dtype of each native id seen. */
  dtypes: Map<number, number>;
}

/**
 * Type attributes that tfjs-node leaves to TensorFlow's eager runtime to
 * infer from the inputs (a GraphDef must state them): op -> attr -> input.
 */
const INFERRED_TYPE_ATTRS: Record<string, Record<string, number>> = {
  ExpandDims: { T: 0, Tdim: 1 },
};

function copyValues(values: TypedValues): TypedValues {
  return values.slice() as TypedValues;
}

function cloneAttrs(attrs: OpAttr[]): OpAttr[] {
  return attrs.map((a) => ({ name: a.name, type: a.type, value: Array.isArray(a.value) ? [...(a.value as unknown[])] : a.value }));
}

/**
 * Runs `step` eagerly on `feeds` and returns its results with the trace of
 * what it executed. `variables` are the candidates for state (all registered
 * variables); only those the step reads or replaces end up in the graph.
 */
export function traceStep(
  backend: NativeBackend,
  feeds: Tensor[],
  variables: tf.Variable[],
  step: () => Tensor[],
): { results: Tensor[]; trace: Trace } {
  const binding = backend.binding;
  const s: TraceState = {
    refs: new Map(),
    created: new Map(),
    known: new Map(),
    nodes: [],
    consts: [],
    stateIds: new Map(),
    stateUsed: new Set(),
    unsupported: null,
    fromBatch: new Set(),
    dtypes: new Map(),
  };
  const placeholders: GraphNode[] = [];
  feeds.forEach((t, i) => {
    const dtype = tfDataType(t.dtype);
    if (dtype === null) s.unsupported ??= `an input has dtype ${t.dtype}`;
    placeholders.push({ kind: 'placeholder', name: `in_${i}`, dtype: dtype ?? 1, shape: t.shape });
    const id = nativeId(backend, t);
    s.refs.set(id, `in_${i}`);
    s.dtypes.set(id, dtype ?? 1);
    s.fromBatch.add(id);
  });
  const startIds = variables.map((v) => nativeId(backend, v));
  startIds.forEach((id, j) => {
    s.stateIds.set(id, j);
    s.dtypes.set(id, tfDataType(variables[j]!.dtype) ?? 1);
  });
  const variablesBefore = Object.keys(tf.engine().registeredVariables).length;

  const resolve = (id: number): string => {
    const ref = s.refs.get(id);
    if (ref !== undefined) return ref;
    const j = s.stateIds.get(id);
    if (j !== undefined) {
      s.stateUsed.add(j);
      return `s_${j}`;
    }
    const name = `c_${s.consts.length}`;
    const made = s.created.get(id);
    if (made) {
      s.consts.push({ kind: 'const', name, dtype: made.dtype, shape: made.shape, values: made.values });
    } else {
      // a tensor made before the step (a cached scalar, say): its value is a constant of the step
      const info = s.known.get(id);
      const dtype = info ? tfDataType(info.dtype) : null;
      if (!info || dtype === null) {
        s.unsupported ??= `the step reads a tensor of unknown origin or dtype (${info?.dtype ?? 'unknown'})`;
        return name;
      }
      s.consts.push({ kind: 'const', name, dtype, shape: info.shape, values: copyValues(binding.tensorDataSync(id)) });
    }
    s.refs.set(id, name);
    return name;
  };

  // A proxy over an empty object: the binding's own properties are read-only, which a proxy on it could not override.
  const target = binding;
  const traced = new Proxy({} as Binding, {
    get(_empty, prop) {
      if (prop === 'executeOp') {
        return (name: string, attrs: OpAttr[], inputs: number[], numOutputs: number) => {
          const inputRefs = inputs.map(resolve);
          const batchOnly = inputs.every((id, k) => s.fromBatch.has(id) || inputRefs[k]!.startsWith('c_'));
          const out = target.executeOp(name, attrs, inputs, numOutputs);
          const inferred = INFERRED_TYPE_ATTRS[name];
          if (inferred) {
            attrs = [...attrs];
            for (const [attr, k] of Object.entries(inferred)) {
              if (!attrs.some((a) => a.name === attr)) attrs.push({ name: attr, type: 4, value: s.dtypes.get(inputs[k]!) ?? 1 });
            }
          }
          for (const m of out) s.dtypes.set(m.id, m.dtype);
          if (batchOnly) for (const m of out) s.fromBatch.add(m.id);
          const nodeName = `op_${s.nodes.length}`;
          const written = graphOp(
            name,
            attrs,
            inputs.map((id) => s.known.get(id)?.shape),
            out.length === 1 ? out[0]!.shape : undefined,
          );
          s.nodes.push({ kind: 'op', name: nodeName, op: written.op, attrs: cloneAttrs(written.attrs), inputs: inputRefs });
          out.forEach((m, k) => s.refs.set(m.id, `${nodeName}:${k}`));
          return out;
        };
      }
      if (prop === 'createTensor') {
        return (shape: number[], dtype: number, values: TypedValues) => {
          const id = target.createTensor(shape, dtype, values);
          if (dtype === 7) s.unsupported ??= 'the step makes a string tensor';
          s.created.set(id, { shape: [...shape], dtype, values: copyValues(values) });
          s.dtypes.set(id, dtype);
          s.refs.delete(id);
          return id;
        };
      }
      if (prop === 'tensorDataSync') {
        return (id: number) => {
          // reading the batch itself (label checks) is allowed: the caller checks each batch of graph steps the same way
          if (s.fromBatch.has(id)) return target.tensorDataSync(id);
          s.unsupported ??= 'the step reads a tensor back to JavaScript (dataSync, data, arraySync or array inside the step)';
          return target.tensorDataSync(id);
        };
      }
      const value = (target as unknown as Record<PropertyKey, unknown>)[prop];
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const ownGetIds = backend.getInputTensorIds;
  const hadOwn = Object.prototype.hasOwnProperty.call(backend, 'getInputTensorIds');
  backend.getInputTensorIds = function (tensors: Tensor[]): number[] {
    const ids = ownGetIds.call(this, tensors);
    tensors.forEach((t, i) => {
      if (t && typeof t === 'object' && 'shape' in t) {
        s.known.set(ids[i]!, { shape: [...t.shape], dtype: t.dtype });
        if (!s.dtypes.has(ids[i]!)) s.dtypes.set(ids[i]!, tfDataType(t.dtype) ?? 1);
      }
    });
    return ids;
  };
  backend.binding = traced;
  let results: Tensor[];
  try {
    results = step();
  } finally {
    backend.binding = binding;
    if (hadOwn) backend.getInputTensorIds = ownGetIds;
    else delete (backend as Partial<NativeBackend>).getInputTensorIds;
  }

  if (Object.keys(tf.engine().registeredVariables).length !== variablesBefore) s.unsupported ??= 'the step creates variables';
  const outputs = results.map((t) => resolve(nativeId(backend, t)));
  const stateOut: number[] = [];
  variables.forEach((v, j) => {
    if (v.isDisposed) return;
    const id = nativeId(backend, v);
    if (id === startIds[j]) return;
    const ref = s.refs.get(id);
    if (ref === undefined) {
      s.unsupported ??= `variable ${v.name} is given a tensor made outside the step`;
      return;
    }
    outputs.push(ref);
    stateOut.push(j);
  });
  const stateIn = [...s.stateUsed].sort((a, b) => a - b);
  for (const j of stateIn) {
    const v = variables[j]!;
    placeholders.push({ kind: 'placeholder', name: `s_${j}`, dtype: tfDataType(v.dtype) ?? 1, shape: v.shape });
  }
  const nodes = [...placeholders, ...s.consts, ...s.nodes];
  const signature =
    JSON.stringify(nodes.map((n) => (n.kind === 'const' ? { ...n, values: n.values.length } : n))) + JSON.stringify({ outputs, stateOut });
  return { results, trace: { nodes, stateIn, outputs, stateOut, signature, unsupported: s.unsupported } };
}
