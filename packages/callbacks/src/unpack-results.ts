/**
 * The Python library's `unpack_results` (tensorflow_similarity.utils): puts
 * each evaluation result into the Keras logs under `name + nameSuffix`,
 * writes it to a summary writer at step `epoch`, and returns the
 * `name: value` lines (four decimals) to print.
 */
import { ValueError } from '@tfsim/utils';

import type { EpochLogger } from './loggers';

/** A result: a number, or an array whose first value is taken (as Python takes `vals[0]` of an ndarray). */
export type ResultValue = number | ArrayLike<number>;

export function unpackResults(
  results: Readonly<Record<string, ResultValue>>,
  epoch: number,
  logs: Record<string, unknown>,
  tbWriter?: EpochLogger | null,
  nameSuffix = '',
): string[] {
  const lines: string[] = [];
  const written: Record<string, number> = {};
  for (const [name, vals] of Object.entries(results)) {
    const value = typeof vals === 'number' ? vals : vals?.[0];
    if (typeof value !== 'number') throw new ValueError(`result ${name} must be a number or an array of numbers, got ${String(vals)}`);
    const fullName = `${name}${nameSuffix ?? ''}`;
    logs[fullName] = value;
    written[fullName] = value;
    lines.push(`${fullName}: ${value.toFixed(4)}`);
  }
  // One write with every value: the same scalars, tag and step, as Python's one call per metric.
  if (tbWriter) void tbWriter.write(epoch, written);
  return lines;
}
