/** Comparing float32 results bit for bit (the fused Adam tests). */

/** Indices where two float32 arrays differ bit for bit (NaN equal to NaN), and the largest difference in units in the last place. */
export function bitDifference(a: Float32Array, b: Float32Array): { differ: number; maxUlp: number } {
  expect(a.length).toBe(b.length);
  const ia = new Int32Array(a.buffer, a.byteOffset, a.length);
  const ib = new Int32Array(b.buffer, b.byteOffset, b.length);
  // ordered integer view of a float: adjacent floats are adjacent integers across zero too
  const ordered = (i: number) => (i < 0 ? -2147483648 - i : i);
  let differ = 0;
  let maxUlp = 0;
  for (let i = 0; i < a.length; i++) {
    if (ia[i] === ib[i]) continue;
    differ++;
    maxUlp = Math.max(maxUlp, Math.abs(ordered(ia[i]!) - ordered(ib[i]!)));
  }
  return { differ, maxUlp };
}
