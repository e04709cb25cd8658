/**
 * Progress on a terminal for long work (loading files, indexing, lookups,
 * calibration, training). Silent when the stream is not a TTY, so logs and CI
 * output stay clean; `TFSIM_PROGRESS=0` silences it everywhere and `=1` forces it.
 */
export interface ProgressOptions {
  /** What is being done: "indexing", "calibrating", ... */
  label: string;
  /** Number of units of work; 0 or undefined when unknown. */
  total?: number;
  /** Where to draw. Default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Force on or off; default: on for a TTY. */
  enabled?: boolean;
  /** Minimum milliseconds between redraws. Default 100. */
  intervalMs?: number;
}

export interface Progress {
  readonly enabled: boolean;
  /** Records `n` more units done, with an optional status ("loss 0.31"). */
  tick(n?: number, status?: string): void;
  /** Finishes the line, with an optional summary. */
  done(summary?: string): void;
}

export function progressEnabled(stream: { isTTY?: boolean } = process.stderr): boolean {
  const env = process.env.TFSIM_PROGRESS;
  if (env === '0' || env === 'false') return false;
  if (env === '1' || env === 'true') return true;
  return Boolean(stream.isTTY);
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds - m * 60)).padStart(2, '0')}s`;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const enabled = opts.enabled ?? progressEnabled(stream);
  const total = opts.total ?? 0;
  const interval = opts.intervalMs ?? 100;
  const start = Date.now();
  let done = 0;
  let lastDraw = 0;
  let status = '';
  let finished = false;

  const render = (final: boolean, summary?: string): string => {
    const elapsed = (Date.now() - start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const parts = [opts.label];
    if (total > 0) {
      const width = 24;
      const filled = Math.min(width, Math.round((done / total) * width));
      parts.push(`[${'='.repeat(filled)}${filled < width ? '>' : ''}${' '.repeat(Math.max(0, width - filled - 1))}]`);
      parts.push(`${done}/${total}`);
      if (!final && rate > 0) parts.push(`eta ${formatDuration((total - done) / rate)}`);
    } else {
      parts.push(String(done));
    }
    parts.push(final ? `in ${formatDuration(elapsed)}` : `${rate.toFixed(rate < 10 ? 1 : 0)}/s`);
    const tail = summary ?? status;
    if (tail) parts.push(tail);
    return parts.join(' ');
  };

  return {
    enabled,
    tick(n = 1, newStatus?: string) {
      done += n;
      if (newStatus !== undefined) status = newStatus;
      if (!enabled || finished) return;
      const now = Date.now();
      if (now - lastDraw >= interval || (total > 0 && done >= total)) {
        lastDraw = now;
        stream.write(`\r${render(false)}\x1b[K`);
      }
    },
    done(summary?: string) {
      if (finished) return;
      finished = true;
      if (enabled) stream.write(`\r${render(true, summary)}\x1b[K\n`);
    },
  };
}

/** tfjs `fit` logs as a status line: every number but tfjs' own `batch` and `size`, which are not metrics. */
export function formatFitLogs(logs: Record<string, unknown> | undefined): string {
  if (!logs) return '';
  return Object.entries(logs)
    .filter(([k, v]) => typeof v === 'number' && k !== 'batch' && k !== 'size')
    .map(([k, v]) => `${k} ${(v as number).toFixed(4)}`)
    .join(' ');
}

export interface FitProgressOptions {
  /** The `epochs` given to fit, for the "epoch 2/5" label. */
  epochs?: number;
  /** Batches per epoch (ceil(samples / batchSize)), for the bar; unknown: a count. */
  stepsPerEpoch?: number;
  stream?: ProgressOptions['stream'];
  /** Default: on for a TTY (`TFSIM_PROGRESS` overrides). */
  enabled?: boolean;
}

/** The callbacks that fitProgress returns: tfjs `CustomCallbackArgs`. */
export interface FitProgressCallbacks {
  onEpochBegin(epoch: number): Promise<void>;
  onBatchEnd(batch: number, logs?: Record<string, unknown>): Promise<void>;
  onEpochEnd(epoch: number, logs?: Record<string, unknown>): Promise<void>;
}

/**
 * A progress bar per epoch for a plain TensorFlow.js `fit`, which prints
 * nothing in Node for `verbose: 1`: `model.fit(x, y, { epochs: 5, callbacks:
 * fitProgress({ epochs: 5, stepsPerEpoch: 20 }) })`.
 */
export function fitProgress(options: FitProgressOptions = {}): FitProgressCallbacks {
  let progress: Progress | null = null;
  const epochs = options.epochs ? `/${options.epochs}` : '';
  return {
    async onEpochBegin(epoch) {
      progress = createProgress({
        label: `epoch ${epoch + 1}${epochs}`,
        total: options.stepsPerEpoch ?? 0,
        ...(options.stream ? { stream: options.stream } : {}),
        ...(options.enabled !== undefined ? { enabled: options.enabled } : {}),
      });
    },
    async onBatchEnd(_batch, logs) {
      progress?.tick(1, formatFitLogs(logs));
    },
    async onEpochEnd(_epoch, logs) {
      progress?.done(formatFitLogs(logs));
      progress = null;
    },
  };
}
