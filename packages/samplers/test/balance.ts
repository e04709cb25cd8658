/** Shared checks of the balance guarantee (not a test file itself). */

/** Asserts rows are grouped by class: `classes` distinct classes, each `perClass` consecutive rows. */
export function expectBalanced(labels: ArrayLike<number>, classes: number, perClass: number): number[] {
  const values = Array.from(labels);
  if (values.length !== classes * perClass) {
    throw new Error(`batch has ${values.length} rows, expected ${classes} x ${perClass}`);
  }
  const order: number[] = [];
  for (let c = 0; c < classes; c++) {
    const block = values.slice(c * perClass, (c + 1) * perClass);
    if (block.some((v) => v !== block[0])) throw new Error(`rows ${c * perClass}..${(c + 1) * perClass - 1} mix classes: [${block.join(', ')}]`);
    order.push(block[0]!);
  }
  if (new Set(order).size !== classes) throw new Error(`a class appears in two blocks: [${values.join(', ')}]`);
  return order;
}

/** Counts of each value. */
export function counts(values: ArrayLike<number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const v of Array.from(values)) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}

/** The sampler warnings a console.warn spy saw (TensorFlow.js' own notices left out). */
export function warnings(spy: jest.SpyInstance): string[] {
  return spy.mock.calls.map((c) => String(c[0])).filter((m) => m.startsWith('WARNING'));
}
