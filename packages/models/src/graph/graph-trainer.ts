/**
 * When a training step runs as a graph. The first step runs eagerly (it
 * creates the optimizer's slots); each new batch shape is then traced on two
 * steps that also run eagerly, and compiled when both traces agree (same
 * kernels; JavaScript-made tensors equal, or fed from the learning rate).
 * Later steps of that shape are one TensorFlow call. Whatever cannot be a
 * graph turns graph mode off for the rest of the fit, with its reason.
 *
 * Between graph steps the newest state lives in one compiled step's session,
 * not in the tfjs variables: `sync` brings them up to date (the caller does
 * at the end of each epoch, before callbacks that read the model, and at the
 * end of fit; `dispose` does too). Eager steps sync first, and a variable
 * whose tensor changed since the session last saw it (an eager step, the
 * user) is pushed back before the next graph step.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import { CompiledStep, reconcile, type StepDescription } from './compiled-step';
import { fuseAdamUpdates } from './fused-adam';
import { useFusedGradients } from './fused-gradients';
import { activeNativeBackend, type NativeBackend, tfDataType } from './native';
import { loadOpLibrary } from './op-library';
import { type Trace, traceStep } from './trace';

/** One training step: takes the batch tensors, returns scalars (loss first); updates variables. */
export type TrainStep = (feeds: Tensor[]) => Tensor[];

/**
 * A number a step changes in JavaScript (ActivationStdLoggingLayer's batch
 * count): graph steps do not run JavaScript, so the change one traced step
 * made is applied again after each graph step.
 */
export interface JsCounter {
  get(): number;
  set(value: number): void;
}

export interface GraphTrainerOptions {
  /** Checks a batch in JavaScript as the eager step does (label ranges): graph steps do not run the step's JavaScript. */
  checkFeeds?: (feeds: Tensor[]) => void;
  counters?: JsCounter[];
  /** Told once why Adam updates run as tfjs' kernels in graph steps (our op library is missing); for verbose fits. */
  onNote?: (message: string) => void;
}

/** How graph steps ran Adam: variables updated by one fused kernel in the newest graph, or why tfjs' kernels ran. */
export interface AdamFusion {
  fused: number;
  reason: string | null;
}

/** What graph mode did in a fit: steps run as graphs, graphs compiled (one per batch shape), why it fell back. */
export interface GraphReport {
  graphSteps: number;
  compiled: number;
  reason: string | null;
}

interface Pending {
  trace: Trace;
  counterSteps: number[];
  rate: number | undefined;
  variables: tf.Variable[];
}

interface Compiled {
  step: CompiledStep;
  counterSteps: number[];
}

/** The identity of a variable's current tensor (tfjs gives a variable a new dataId on assign). */
function dataIdOf(v: tf.Variable): object {
  return (v as unknown as { dataId: object }).dataId;
}

function learningRate(optimizer: tf.Optimizer): number | undefined {
  const rate = (optimizer as unknown as { learningRate?: unknown }).learningRate;
  return typeof rate === 'number' ? rate : undefined;
}

/** Graphs are cached by the batch's dtypes and shapes. */
function shapeKey(feeds: Tensor[]): string {
  return feeds.map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(';');
}

export class GraphTrainer {
  /** Why steps run eagerly (null while graph mode is on). */
  reason: string | null = null;
  /** How many steps ran as one graph call, and how many graphs were compiled (one per batch shape). */
  graphSteps = 0;
  readonly compiled = new Map<string, Compiled>();
  private readonly pending = new Map<string, Pending>();
  private readonly backend: NativeBackend | null;
  private warm = false;
  private readonly counters: JsCounter[];
  private readonly releaseGradients: () => void;
  /** The compiled step whose session holds the newest state (null: the tfjs variables do). */
  private holder: Compiled | null = null;
  /** Whether the holder ran steps since the tfjs variables were last synced. */
  private ahead = false;
  /** The tensor each of the holder's variables had when the session last matched it. */
  private seen: object[] = [];
  private readonly fusion: AdamFusion = { fused: 0, reason: null };

  constructor(
    private readonly step: TrainStep,
    private readonly optimizer: tf.Optimizer,
    private readonly onFallback: (reason: string) => void,
    private readonly options: GraphTrainerOptions = {},
  ) {
    this.counters = options.counters ?? [];
    this.backend = activeNativeBackend();
    if (!this.backend) this.reason = `the backend is ${tf.getBackend()}, not native TensorFlow`;
    // every step of this trainer, traced or eager, takes the same (fused) gradients
    this.releaseGradients = useFusedGradients();
  }

  run(feeds: Tensor[]): Tensor[] {
    if (this.reason !== null || !this.backend) {
      this.sync();
      return this.step(feeds);
    }
    if (!this.warm) {
      this.warm = true;
      return this.step(feeds);
    }
    const key = shapeKey(feeds);
    const compiled = this.compiled.get(key);
    if (compiled) {
      this.options.checkFeeds?.(feeds);
      this.hold(compiled);
      const out = compiled.step.run(feeds, learningRate(this.optimizer));
      this.ahead = true;
      this.counters.forEach((c, i) => c.set(c.get() + compiled.counterSteps[i]!));
      (this.optimizer as unknown as { incrementIterations(): void }).incrementIterations();
      this.graphSteps++;
      return out;
    }
    this.sync();
    const variables = Object.values(tf.engine().registeredVariables);
    const rate = learningRate(this.optimizer);
    const countersBefore = this.counters.map((c) => c.get());
    const { results, trace } = traceStep(this.backend, feeds, variables, () => this.step(feeds));
    const counterSteps = this.counters.map((c, i) => c.get() - countersBefore[i]!);
    const previous = this.pending.get(key);
    const sameVariables =
      previous !== undefined && previous.variables.length === variables.length && previous.variables.every((v, i) => v === variables[i]);
    if (!previous || !sameVariables) {
      if (trace.unsupported) this.fallBack(trace.unsupported);
      else this.pending.set(key, { trace, counterSteps, rate, variables });
      return results;
    }
    this.pending.delete(key);
    const agreed = reconcile(previous.trace, trace, [previous.rate, rate]);
    if (!('reason' in agreed) && counterSteps.some((d, i) => d !== previous.counterSteps[i])) {
      this.fallBack('a counter kept in JavaScript (ActivationStdLoggingLayer) changes differently from one step to the next');
      return results;
    }
    if ('reason' in agreed) {
      this.fallBack(agreed.reason);
      return results;
    }
    try {
      const resultDtypes = results.map((t) => tfDataType(t.dtype) ?? 1);
      const graph = this.withFusedAdam(trace);
      this.compiled.set(key, { step: new CompiledStep(this.backend, graph, agreed.rateInputs, resultDtypes, variables), counterSteps });
    } catch (err) {
      this.fallBack(
        `TensorFlow could not load the traced graph: ${String((err as Error).message)
          .replace(/\s+/g, ' ')
          .slice(0, 400)}`,
      );
    }
    return results;
  }

  /** How the newest compiled graph runs Adam updates. */
  adamFusion(): AdamFusion {
    return { ...this.fusion };
  }

  /** The trace with its Adam updates fused when our op library loads (the same numbers, bit for bit; fewer kernels). */
  private withFusedAdam(trace: Trace): Trace {
    const reason = loadOpLibrary(this.backend!);
    if (reason !== null) {
      if (this.fusion.reason === null) this.options.onNote?.(`Adam updates run as tfjs' kernels: ${reason}`);
      this.fusion.reason = reason;
      this.fusion.fused = 0;
      return trace;
    }
    const fused = fuseAdamUpdates(trace);
    this.fusion.fused = fused.fused;
    return fused.trace;
  }

  /** Brings the tfjs variables up to date with the session that holds the newest state (cheap when they are). */
  sync(): void {
    if (!this.holder || !this.ahead) return;
    this.holder.step.pull();
    this.ahead = false;
    this.seen = this.holder.step.state.map(dataIdOf);
  }

  /** Makes `c`'s session hold the newest state, pushing the tfjs variables into it when they are newer or were changed. */
  private hold(c: Compiled): void {
    if (this.holder !== c) {
      this.sync();
      this.holder = c;
    } else {
      const changed = new Set(c.step.state.filter((v, i) => dataIdOf(v) !== this.seen[i]));
      if (this.seen.length > 0 && changed.size === 0) return;
      // variables set since the last sync keep their new values; the others take the session's before the push
      if (this.ahead) c.step.pull(changed);
      this.ahead = false;
    }
    c.step.push();
    this.seen = c.step.state.map(dataIdOf);
  }

  /** The graph compiled for batches shaped like `feeds`, written out for a profiler (null before it is compiled). */
  describe(feeds: Tensor[]): StepDescription | null {
    const c = this.compiled.get(shapeKey(feeds));
    if (!c) return null;
    this.sync();
    return c.step.describe(feeds, learningRate(this.optimizer));
  }

  report(): GraphReport {
    return { graphSteps: this.graphSteps, compiled: this.compiled.size, reason: this.reason };
  }

  private fallBack(reason: string): void {
    this.reason = reason;
    this.pending.clear();
    this.onFallback(reason);
  }

  /**
   * Syncs the tfjs variables, frees the compiled sessions (and gives the
   * activations back their own gradients). After a failed fit
   * (`afterError`), a sync that fails too is dropped so that the fit's own
   * error is the one the caller sees.
   */
  dispose({ afterError = false }: { afterError?: boolean } = {}): void {
    try {
      this.sync();
    } catch (err) {
      if (!afterError) throw err;
    } finally {
      this.holder = null;
      this.releaseGradients();
      for (const c of this.compiled.values()) c.step.dispose();
      this.compiled.clear();
      this.pending.clear();
    }
  }
}
