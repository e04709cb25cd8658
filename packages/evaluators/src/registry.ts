/**
 * Evaluators by name, so that an index made with a custom evaluator saves its
 * name and config and reloads with it (the Python library's issue #84: it
 * writes the evaluator object into JSON and cannot reload it).
 */
import { ClassRegistry, type RegisteredClass, type SerializedClass, ValueError } from '@tfsim/utils/core';

import { MemoryEvaluator } from './memory-evaluator';
import type { Evaluator } from './types';

const evaluatorClasses = new ClassRegistry<Evaluator>('evaluator', 'registerEvaluator');
evaluatorClasses.register(MemoryEvaluator, { name: 'memory', fromConfig: () => new MemoryEvaluator() });

/**
 * Registers a custom evaluator class by `name` (default: its class name), so
 * that `new Indexer(dim, { evaluator: name })` makes one and an index using
 * it saves and reloads it. It is restored as `fromConfig(config)`, by default
 * `new cls(config)`, where `config` is what its `getConfig()` (optional)
 * returned at save time. Returns the name.
 */
export function registerEvaluator(
  cls: RegisteredClass<Evaluator>,
  options: { name?: string; aliases?: readonly string[]; fromConfig?: (config: Record<string, unknown>) => Evaluator } = {},
): string {
  return evaluatorClasses.register(cls, options);
}

/** A new evaluator by registered name (`memory`, ...), or the instance itself. */
export function makeEvaluator(evaluator: string | Evaluator): Evaluator {
  if (typeof evaluator === 'string') return evaluatorClasses.deserialize({ className: evaluator, config: {} });
  if (evaluator !== null && typeof evaluator === 'object' && typeof evaluator.calibrate === 'function') return evaluator;
  throw new ValueError(`evaluator must be a registered name (${evaluatorClasses.registered().join(', ')}) or an Evaluator`);
}

/** The registered name of an evaluator's class, or its class name when it is not registered. */
export function evaluatorName(evaluator: Evaluator): string {
  return evaluatorClasses.nameOf(evaluator) ?? evaluator.constructor.name;
}

/** `{ className, config }` of an evaluator: its registered name and its `getConfig()` (or `{}`). */
export function serializeEvaluator(evaluator: Evaluator): SerializedClass {
  return evaluatorClasses.serialize(evaluator);
}

/** The evaluator saved by `serializeEvaluator`; a name nobody registered says how to register it. */
export function deserializeEvaluator(saved: SerializedClass): Evaluator {
  return evaluatorClasses.deserialize(saved);
}
