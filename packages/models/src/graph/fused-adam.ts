/**
 * Adam updates of a traced step as one kernel per variable. tfjs'
 * AdamOptimizer runs fourteen elementwise kernels per variable (about half
 * of a small dense model's step); our op library's TfsimAdamUpdate
 * (op-library.ts) computes the same float32 operations in the same order in
 * one pass, bit for bit. The rewrite finds tfjs' update in the trace by its
 * exact shape, for every variable the step changes, whichever optimizer
 * object did it (weights and loss variables):
 *
 *   m' = Add(Mul(m, beta1), Mul(g, 1 - beta1))
 *   v' = Add(Mul(v, beta2), Mul(Square(g), 1 - beta2))
 *   w' = Add(Mul(RealDiv(RealDiv(m', 1 - b1^t), Add(Sqrt(RealDiv(v', 1 - b2^t)), eps)), -lr), w)
 *
 * with the scalars as tfjs forms them (constants, and `Sub(1, accBeta)` of
 * the optimizer's scalar variables), and replaces the three new values by the
 * fused node's outputs. Anything else (other optimizers, an update whose
 * intermediate values the step also uses elsewhere) stays as traced.
 */
import type { GraphNode } from './graph-def';
import { ADAM_OP } from './op-library';
import type { Trace } from './trace';

type OpNode = GraphNode & { kind: 'op' };

/** One variable's Adam update found in the trace: the fused node's inputs and the nodes it replaces. */
interface AdamMatch {
  j: number;
  m: number;
  v: number;
  inputs: string[];
  replaced: Set<string>;
}

/** The trace with every tfjs Adam update it holds run by one TfsimAdamUpdate node each; `fused` counts them. */
export function fuseAdamUpdates(trace: Trace): { trace: Trace; fused: number } {
  const byName = new Map(trace.nodes.map((n) => [n.name, n]));
  const numResults = trace.outputs.length - trace.stateOut.length;
  const outputOf = new Map(trace.stateOut.map((j, k) => [j, trace.outputs[numResults + k]!]));
  const matches: AdamMatch[] = [];
  const claimed = new Set<number>();
  for (const j of trace.stateOut) {
    const match = matchAdam(j, outputOf, byName);
    if (!match || [match.j, match.m, match.v].some((x) => claimed.has(x))) continue;
    [match.j, match.m, match.v].forEach((x) => claimed.add(x));
    matches.push(match);
  }
  // an intermediate value the step also uses elsewhere keeps its kernels: drop that match
  const uses = countUses(trace);
  const kept = matches.filter((mt) => {
    const inside = new Map<string, number>();
    for (const name of mt.replaced) {
      const node = byName.get(name) as OpNode;
      for (const input of node.inputs) inside.set(input, (inside.get(input) ?? 0) + 1);
    }
    const finals = new Set([outputOf.get(mt.j), outputOf.get(mt.m), outputOf.get(mt.v)]);
    return [...mt.replaced].every((name) => {
      const ref = `${name}:0`;
      const external = (uses.get(ref) ?? 0) - (inside.get(ref) ?? 0) - (finals.has(ref) ? 1 : 0);
      return external === 0;
    });
  });
  if (kept.length === 0) return { trace, fused: 0 };

  const removed = new Set(kept.flatMap((mt) => [...mt.replaced]));
  const newOutput = new Map<number, string>();
  const fusedAt = new Map<string, GraphNode>();
  for (const mt of kept) {
    const name = `adam_${mt.j}`;
    // written where tfjs' update of w ended: after every input it reads
    fusedAt.set(outputOf.get(mt.j)!.split(':')[0]!, { kind: 'op', name, op: ADAM_OP, attrs: [], inputs: mt.inputs });
    newOutput.set(mt.j, `${name}:0`).set(mt.m, `${name}:1`).set(mt.v, `${name}:2`);
  }
  const nodes: GraphNode[] = [];
  for (const n of trace.nodes) {
    const fused = fusedAt.get(n.name);
    if (fused) nodes.push(fused);
    if (!removed.has(n.name)) nodes.push(n);
  }
  const outputs = trace.outputs.map((ref, i) => (i < numResults ? ref : (newOutput.get(trace.stateOut[i - numResults]!) ?? ref)));
  return { trace: { ...trace, nodes, outputs }, fused: kept.length };
}

/** How many times each reference is read: node inputs (control inputs aside) and the step's outputs. */
function countUses(trace: Trace): Map<string, number> {
  const uses = new Map<string, number>();
  const use = (ref: string) => uses.set(ref, (uses.get(ref) ?? 0) + 1);
  for (const n of trace.nodes) if (n.kind === 'op') n.inputs.filter((r) => !r.startsWith('^')).forEach(use);
  trace.outputs.forEach(use);
  return uses;
}

/**
 * Reads the update of variable `j` backwards from its new value; null unless
 * it is tfjs' Adam, exactly, with m and v variables the step also updates.
 */
function matchAdam(j: number, outputOf: Map<number, string>, byName: Map<string, GraphNode>): AdamMatch | null {
  const replaced = new Set<string>();
  /** The op node behind `ref` when it is output 0 of `op` (Add matches AddV2 too) with `arity` inputs. */
  const op = (ref: string | undefined, names: string[], arity: number): string[] | null => {
    if (ref === undefined || !ref.endsWith(':0')) return null;
    const node = byName.get(ref.slice(0, -2));
    if (node?.kind !== 'op' || !names.includes(node.op) || node.inputs.length !== arity) return null;
    replaced.add(node.name);
    return node.inputs;
  };
  const ADD = ['Add', 'AddV2'];
  const scalarConst = (ref: string | undefined): ref is string => {
    const node = ref === undefined ? undefined : byName.get(ref);
    return node?.kind === 'const' && node.dtype === 1 && node.shape.length === 0;
  };
  /** `Sub(1, s_k)` of a scalar state variable (tfjs' 1 - accBeta): its reference, not replaced (shared by every variable). */
  const oneMinusPower = (ref: string | undefined): boolean => {
    if (ref === undefined || !ref.endsWith(':0')) return false;
    const node = byName.get(ref.slice(0, -2));
    if (node?.kind !== 'op' || node.op !== 'Sub' || node.inputs.length !== 2) return false;
    const [one, power] = node.inputs.map((r) => byName.get(r));
    return (
      one?.kind === 'const' &&
      one.shape.length === 0 &&
      one.values[0] === 1 &&
      power?.kind === 'placeholder' &&
      power.name.startsWith('s_') &&
      power.shape.length === 0
    );
  };
  const stateIndex = (ref: string | undefined): number | null =>
    ref !== undefined && /^s_\d+$/.test(ref) && byName.get(ref)?.kind === 'placeholder' ? Number(ref.slice(2)) : null;

  const wNew = op(outputOf.get(j), ADD, 2);
  if (!wNew || wNew[1] !== `s_${j}`) return null;
  const scaled = op(wNew[0], ['Mul'], 2);
  if (!scaled || !scalarConst(scaled[1])) return null;
  const ratio = op(scaled[0], ['RealDiv'], 2);
  if (!ratio) return null;
  const mHat = op(ratio[0], ['RealDiv'], 2);
  const denom = op(ratio[1], ADD, 2);
  if (!mHat || !denom || !oneMinusPower(mHat[1]) || !scalarConst(denom[1])) return null;
  const root = op(denom[0], ['Sqrt'], 1);
  const vHat = root && op(root[0], ['RealDiv'], 2);
  if (!vHat || !oneMinusPower(vHat[1])) return null;
  const mNew = op(mHat[0], ADD, 2);
  const vNew = op(vHat[0], ADD, 2);
  if (!mNew || !vNew) return null;
  const [mDecay, mGrad, vDecay, vGrad] = [
    op(mNew[0], ['Mul'], 2),
    op(mNew[1], ['Mul'], 2),
    op(vNew[0], ['Mul'], 2),
    op(vNew[1], ['Mul'], 2),
  ];
  if (!mDecay || !mGrad || !vDecay || !vGrad) return null;
  if (![mDecay[1], mGrad[1], vDecay[1], vGrad[1]].every(scalarConst)) return null;
  const square = op(vGrad[0], ['Square'], 1);
  const grad = mGrad[0]!;
  if (!square || square[0] !== grad) return null;
  const m = stateIndex(mDecay[0]);
  const v = stateIndex(vDecay[0]);
  // the slots' new values are the ones this update computed, and nothing else writes them
  if (m === null || v === null || m === j || v === j || m === v) return null;
  if (outputOf.get(m) !== mHat[0] || outputOf.get(v) !== vHat[0]) return null;
  return {
    j,
    m,
    v,
    inputs: [`s_${j}`, `s_${m}`, `s_${v}`, grad, mDecay[1]!, mGrad[1]!, vDecay[1]!, vGrad[1]!, mHat[1]!, vHat[1]!, denom[1]!, scaled[1]!],
    replaced,
  };
}
