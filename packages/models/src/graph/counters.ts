/** The JavaScript-side counters of layers that graph steps must keep counting. */
import type { ActivationStdLoggingLayer } from '@tfsim/layers';

import type { JsCounter } from './graph-trainer';

/** ActivationStdLoggingLayer's batch count (its running total is a variable, which the graph updates itself). */
export function stdLayerCounters(layers: ActivationStdLoggingLayer[]): JsCounter[] {
  return layers.map((layer) => {
    const l = layer as unknown as { batches: number };
    return { get: () => l.batches, set: (v: number) => void (l.batches = v) };
  });
}
