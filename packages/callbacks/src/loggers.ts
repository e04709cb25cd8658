/**
 * Where per-epoch metric values go: a console line, a JSON-lines file, and
 * TensorBoard scalars (written by the native TensorFlow backend).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { ValueError } from '@tfsim/utils';

/** Receives the metric values of one epoch. */
export interface EpochLogger {
  write(epoch: number, values: Readonly<Record<string, number>>): void | Promise<void>;
}

/**
 * One line per epoch, `name: value` pairs with four decimals (the Python
 * library's format), e.g. `eval epoch 1/5 - binary_accuracy: 0.7500 - f1score: 0.8571`.
 * The console counts epochs from 1, like the fit progress bar; files and
 * TensorBoard keep the 0-based epoch index of `onEpochEnd`.
 */
export class ConsoleLogger implements EpochLogger {
  constructor(
    private readonly print: (line: string) => void = (line) => console.log(line),
    /** Total epochs, for `epoch 3/10`; read when each line is written. */
    private readonly totalEpochs: () => number | undefined = () => undefined,
  ) {}

  write(epoch: number, values: Readonly<Record<string, number>>): void {
    const total = this.totalEpochs();
    const parts = [`eval epoch ${epoch + 1}${total ? `/${total}` : ''}`];
    for (const [name, value] of Object.entries(values)) parts.push(`${name}: ${value.toFixed(4)}`);
    this.print(parts.join(' - '));
  }
}

/** Non-finite numbers as strings ("NaN", "Infinity"), which JSON cannot hold as numbers. */
function jsonNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

/**
 * Appends one JSON object per epoch to a file:
 * `{"epoch":0,"timestamp":"2026-01-01T00:00:00.000Z","metrics":{"f1score":0.8}}`.
 * The folder is created when missing; an existing file is appended to, so
 * resumed runs extend the same log.
 */
export class JsonlLogger implements EpochLogger {
  readonly path: string;

  constructor(filePath: string) {
    if (typeof filePath !== 'string' || filePath.length === 0) {
      throw new ValueError('jsonlPath must be a non-empty file path');
    }
    this.path = path.resolve(filePath);
  }

  async write(epoch: number, values: Readonly<Record<string, number>>): Promise<void> {
    const metrics: Record<string, number | string> = {};
    for (const [name, value] of Object.entries(values)) metrics[name] = jsonNumber(value);
    const line = JSON.stringify({ epoch, timestamp: new Date().toISOString(), metrics });
    await fsp.mkdir(path.dirname(this.path), { recursive: true });
    await fsp.appendFile(this.path, line + '\n', 'utf8');
  }
}

interface SummaryFileWriter {
  scalar(name: string, value: number, step: number): void;
  flush(): void;
}

interface TfjsNode {
  node: { summaryFileWriter(logdir: string): SummaryFileWriter };
}

/** @tensorflow/tfjs-node, required on first use: it is an optional peer dependency. */
function loadTfjsNode(): TfjsNode {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@tensorflow/tfjs-node') as TfjsNode;
}

/**
 * TensorBoard scalars, one per metric and epoch (tag = metric name, step =
 * epoch), in `logdir`. Needs @tensorflow/tfjs-node with the `tensorflow`
 * backend active: its summary writer runs as TensorFlow ops. Without it the
 * logger prints one message saying why and writes nothing; training goes on.
 */
export class TensorBoardLogger implements EpochLogger {
  readonly logdir: string;
  private writer: SummaryFileWriter | null = null;
  private unavailable = false;

  constructor(
    logdir: string,
    private readonly warn: (message: string) => void = (message) => console.warn(message),
  ) {
    if (typeof logdir !== 'string' || logdir.length === 0) throw new ValueError('tbLogdir must be a non-empty folder path');
    this.logdir = path.resolve(logdir);
  }

  /** True once a writer is open; false when TensorBoard logging was found unavailable (or not yet tried). */
  get enabled(): boolean {
    return this.writer !== null;
  }

  private open(): SummaryFileWriter | null {
    if (this.writer || this.unavailable) return this.writer;
    let tfnode: TfjsNode;
    try {
      tfnode = loadTfjsNode();
    } catch (err) {
      return this.disable(
        `TensorBoard logging to ${this.logdir} is off: it needs @tensorflow/tfjs-node, which did not load (${firstLine(err)}).`,
      );
    }
    if (tf.getBackend() !== 'tensorflow') {
      return this.disable(
        `TensorBoard logging to ${this.logdir} is off: it needs the native "tensorflow" backend of @tensorflow/tfjs-node, but the active backend is "${tf.getBackend()}".`,
      );
    }
    // Creating a writer makes five tensors (the writer's resource handle and
    // its arguments); keep only the handle, which lives as long as the writer.
    let writer: SummaryFileWriter | undefined;
    tf.tidy(() => {
      writer = tfnode.node.summaryFileWriter(this.logdir);
      const handle = (writer as unknown as { resourceHandle?: tf.Tensor }).resourceHandle;
      if (handle) tf.keep(handle);
    });
    this.writer = writer!;
    return this.writer;
  }

  private disable(message: string): null {
    this.unavailable = true;
    this.warn(message);
    return null;
  }

  write(epoch: number, values: Readonly<Record<string, number>>): void {
    const writer = this.open();
    if (!writer) return;
    for (const [name, value] of Object.entries(values)) writer.scalar(name, value, epoch);
    writer.flush();
  }
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim();
}
