/** Whether a fit asks for graph mode, and how a fallback is reported. */
import { activeNativeBackend } from './native';

/**
 * `undefined` when graph mode is not wanted (`graph: false`, or a backend
 * other than native TensorFlow, which train eagerly as before); `null` when
 * it can be tried.
 */
export function graphModeBlocker(graph: boolean | undefined): null | undefined {
  if (graph === false) return undefined;
  return activeNativeBackend() ? null : undefined;
}

/** The one line printed when graph mode falls back to eager training. */
export function reportFallback(reason: string): void {
  console.warn(`[tfsim] graph mode off, training eagerly: ${reason}`);
}

/** A note on how graph mode runs (printed for verbose fits only): the fused Adam's missing op library. */
export function reportNote(message: string): void {
  console.warn(`[tfsim] graph mode: ${message}`);
}
