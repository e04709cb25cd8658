import * as tf from '@tensorflow/tfjs-core';
import type * as tfd from '@tensorflow/tfjs-data';
import { assertInteger, checkOptions, createProgress, isTensor, type OptionKeys, type Rng, ShapeError, ValueError } from '@tfsim/utils';

import { ArraySource, type ExampleSource, type LoadExampleFn, TensorSource } from './examples';
import { type Batch, type RawBatch, Sampler, SAMPLER_OPTION_KEYS, type SamplerOptions } from './sampler';
import { checkLabel, resolveClassList } from './select';

export interface TFDataSamplerOptions extends SamplerOptions {
  /** Distinct classes in each batch. Default 2. */
  classesPerBatch?: number;
  /** Examples of each class in each batch. Default 2. */
  examplesPerClassPerBatch?: number;
  /** Keep only these classes. Default: all. */
  classList?: readonly number[];
  /** Keep the first this many examples of each class (dataset order, as Python's `take`). Default: all. */
  totalExamplesPerClass?: number;
  /** Turns an element's x into an example when a batch needs it (e.g. decodes a path). */
  loadFn?: LoadExampleFn<unknown>;
  /**
   * Number of examples given out before the augmenter is applied (Python's
   * TFDataSampler counts its warmup in examples, not epochs). Default 0.
   */
  warmup?: number;
  /**
   * Where the class id is when an element's y is a list or an object: its
   * index or key. Default: y is the class id.
   */
  labelOutput?: number | string;
}

function splitElement(element: unknown, index: number): { x: unknown; y: unknown } {
  if (Array.isArray(element) && element.length >= 2) return { x: element[0], y: element[1] };
  if (element && typeof element === 'object' && 'xs' in element && 'ys' in element) {
    return { x: (element as { xs: unknown }).xs, y: (element as { ys: unknown }).ys };
  }
  throw new ValueError(`dataset element ${index} must be {xs, ys} or [x, y], got ${element === null ? 'null' : typeof element}`);
}

/** Releases every tensor in a nested element. */
export function disposeDeep(value: unknown): void {
  if (isTensor(value)) value.dispose();
  else if (Array.isArray(value)) value.forEach(disposeDeep);
  else if (value && typeof value === 'object') Object.values(value).forEach(disposeDeep);
}

/** One pass over a class's examples in random order, reshuffled per pass. */
class ExampleCycle {
  private order: number[] = [];
  private at = 0;

  constructor(private readonly members: readonly number[]) {}

  /** `k` examples; distinct when the class has at least `k`. */
  take(k: number, rng: Rng): number[] {
    const out: number[] = [];
    while (out.length < k) {
      if (this.at >= this.order.length) {
        this.order = rng.shuffle([...this.members]);
        this.at = 0;
        // Examples this batch already holds go last in the new pass, so a
        // batch straddling two passes does not repeat one.
        if (out.length && this.members.length >= k) {
          const taken = new Set(out);
          this.order = [...this.order.filter((m) => !taken.has(m)), ...this.order.filter((m) => taken.has(m))];
        }
      }
      out.push(this.order[this.at++]!);
    }
    return out;
  }
}

/**
 * Class-balanced batches from a finite tfjs-data dataset (the Python
 * library's `TFDataSampler`). The dataset, of `{xs, ys}` or `[x, y]`
 * elements, is read once into memory; then every batch holds exactly
 * `classesPerBatch` distinct classes with `examplesPerClassPerBatch`
 * examples each. Classes are dealt from a shuffled deck, so every class is
 * used equally often; each class's examples are used once per pass, in a
 * new random order per pass.
 *
 * (Python's batches straddling two passes of its class deck could hold a
 * class twice and fewer classes; here a batch never repeats a class.)
 *
 * Create with `await TFDataSampler.create(dataset, options)`.
 */
export class TFDataSampler extends Sampler {
  static override readonly optionKeys: OptionKeys<TFDataSamplerOptions> = {
    ...SAMPLER_OPTION_KEYS,
    classesPerBatch: true,
    examplesPerClassPerBatch: true,
    classList: true,
    totalExamplesPerClass: true,
    loadFn: true,
    warmup: true,
    labelOutput: true,
  };
  readonly classList: number[];
  private readonly source: ExampleSource;
  private readonly cycles = new Map<number, ExampleCycle>();
  private readonly classSize = new Map<number, number>();
  private deck: number[] = [];
  private examplesSeen = 0;
  private readonly warmupExamples: number;
  private readonly warned = new Set<string | number>();

  private constructor(source: ExampleSource, labels: number[], classList: number[], options: TFDataSamplerOptions) {
    super(options.classesPerBatch ?? 2, options.examplesPerClassPerBatch ?? 2, 1, { ...options, warmup: 0 });
    this.source = source;
    this.classList = classList;
    this.warmupExamples = options.warmup ?? 0;
    assertInteger(this.warmupExamples, 'warmup', 0);
    const members = new Map<number, number[]>();
    labels.forEach((label, i) => {
      let list = members.get(label);
      if (!list) members.set(label, (list = []));
      list.push(i);
    });
    for (const [label, list] of members) {
      this.cycles.set(label, new ExampleCycle(list));
      this.classSize.set(label, list.length);
    }
  }

  /** Reads `dataset` and makes the sampler; errors for bad input come from here. */
  static async create(dataset: tfd.Dataset<tf.TensorContainer>, options: TFDataSamplerOptions = {}): Promise<TFDataSampler> {
    checkOptions(options, this.optionKeys, this.name); // before the dataset is read
    const classesPerBatch = options.classesPerBatch ?? 2;
    assertInteger(classesPerBatch, 'classesPerBatch', 1);
    if (options.totalExamplesPerClass !== undefined) assertInteger(options.totalExamplesPerClass, 'totalExamplesPerClass', 1);
    if (dataset.size === Infinity) throw new ValueError('Dataset must be finite.');
    const labelOutput = options.labelOutput;
    const keep = options.classList && options.classList.length ? new Set(options.classList.map(Number)) : undefined;
    const perClass = new Map<number, number>();
    const xs: unknown[] = [];
    const labels: number[] = [];
    const present = new Set<number>();
    const progress = createProgress({ label: 'reading dataset', total: dataset.size ?? 0 });
    const iterator = await dataset.iterator();
    try {
      for (let index = 0; ; index++) {
        const step = await iterator.next();
        if (step.done) break;
        const { x, y } = splitElement(step.value, index);
        let label: unknown = y;
        if (labelOutput !== undefined) {
          label =
            label !== null && typeof label === 'object' && !isTensor(label)
              ? (label as Record<string | number, unknown>)[labelOutput]
              : undefined;
          if (label === undefined) {
            disposeDeep(step.value);
            throw new ValueError(`dataset element ${index}: its y has no labelOutput ${JSON.stringify(labelOutput)}`);
          }
        }
        let value: number;
        if (isTensor(label)) {
          if (label.size !== 1) {
            disposeDeep(step.value);
            throw new ShapeError(`dataset element ${index}: the label must be one class id, got shape [${label.shape.join(', ')}]`);
          }
          value = label.dataSync()[0]!;
        } else value = Number(label);
        value = checkLabel(value, `the label of dataset element ${index}`);
        present.add(value);
        const count = perClass.get(value) ?? 0;
        const wanted = (!keep || keep.has(value)) && (options.totalExamplesPerClass === undefined || count < options.totalExamplesPerClass);
        if (wanted) {
          perClass.set(value, count + 1);
          xs.push(x);
          labels.push(value);
          // Only x is kept; the label tensors are read.
          if (x !== y) disposeDeep(y);
        } else disposeDeep(step.value);
        progress.tick();
      }
    } catch (err) {
      xs.forEach(disposeDeep);
      throw err;
    } finally {
      progress.done();
    }
    try {
      if (labels.length === 0 && present.size === 0) throw new ValueError('the dataset is empty: a sampler needs at least one example');
      const classList = resolveClassList(options.classList, present);
      if (classesPerBatch > classList.length) {
        throw new ValueError(`classesPerBatch (${classesPerBatch}) must be <= the number of classes to sample from (${classList.length})`);
      }
      const source = options.loadFn ? new ArraySource(xs, options.loadFn) : stackExamples(xs);
      return new TFDataSampler(source, labels, classList, options);
    } catch (err) {
      xs.forEach(disposeDeep);
      throw err;
    }
  }

  /** Number of examples kept. */
  get numExamples(): number {
    return this.source.size;
  }

  exampleShape(): Promise<number[]> {
    return this.source.exampleShape();
  }

  /** The next `k` distinct classes from the shuffled deck (a new deck when it runs out). */
  private dealClasses(k: number): number[] {
    const chosen: number[] = [];
    const deferred: number[] = [];
    while (chosen.length < k) {
      if (this.deck.length === 0) this.deck = this.rng.shuffle([...this.classList]);
      const c = this.deck.pop()!;
      if (chosen.includes(c)) deferred.push(c);
      else chosen.push(c);
    }
    this.deck.push(...deferred);
    return chosen;
  }

  protected async getExamples(_batchId: number, numClasses: number, examplesPerClass: number): Promise<RawBatch> {
    const rows: number[] = [];
    const labels: number[] = [];
    for (const c of this.dealClasses(numClasses)) {
      if (this.classSize.get(c)! < examplesPerClass) {
        this.warnOnce(
          this.warned,
          c,
          `Class ${c} only has ${this.classSize.get(c)} unique examples, but examplesPerClassPerBatch is set to ${examplesPerClass}. ` +
            'The current batch will sample from class examples with replacement.',
        );
      }
      for (const r of this.cycles.get(c)!.take(examplesPerClass, this.rng)) {
        rows.push(r);
        labels.push(c);
      }
    }
    return { x: await this.source.load(rows), labels };
  }

  /** The first `warmup` examples given out are not augmented (Python's `apply_augmenter_ds`). */
  protected override finishBatch(raw: RawBatch): Batch {
    const rows = raw.labels.length;
    const plain = Math.min(rows, Math.max(0, this.warmupExamples - this.examplesSeen));
    this.examplesSeen += rows;
    if (!this.augmenter || plain === 0) return super.finishBatch(raw, false);
    if (plain === rows) {
      return { xs: raw.x, ys: tf.tensor1d(Array.from(raw.labels), 'int32') };
    }
    const [head, tail] = tf.split(raw.x, [plain, rows - plain], 0) as [tf.Tensor, tf.Tensor];
    raw.x.dispose();
    const augmented = super.finishBatch({ x: tail, labels: raw.labels.slice(plain) }, false);
    const xs = tf.concat([head, augmented.xs], 0);
    head.dispose();
    augmented.xs.dispose();
    augmented.ys.dispose();
    return { xs, ys: tf.tensor1d(Array.from(raw.labels), 'int32') };
  }

  /** Frees the examples read from the dataset. */
  dispose(): void {
    this.source.dispose();
  }
}

/** Element x values as one owned tensor [n, ...] (they must share a shape). */
function stackExamples(xs: unknown[]): ExampleSource {
  if (xs.length === 0) return new TensorSource(tf.zeros([0]), true);
  const created: tf.Tensor[] = [];
  try {
    const tensors = xs.map((x, i) => {
      if (isTensor(x)) return x;
      if (x === null || x === undefined || typeof x === 'string') {
        throw new ValueError(`dataset element ${i}: x is ${x === null ? 'null' : typeof x}; pass loadFn to turn it into a tensor`);
      }
      const t = tf.tensor(x as tf.TensorLike);
      created.push(t);
      return t;
    });
    const shape = tensors[0]!.shape;
    tensors.forEach((t, i) => {
      if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
        throw new ShapeError(
          `dataset elements must share one x shape: element 0 has [${shape.join(', ')}], element ${i} has [${t.shape.join(', ')}]`,
        );
      }
    });
    const stacked = tf.stack(tensors);
    tensors.forEach((t) => t.dispose());
    return new TensorSource(stacked, true);
  } finally {
    created.forEach((t) => t.dispose());
  }
}
