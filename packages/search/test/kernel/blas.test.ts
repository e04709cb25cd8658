import { Rng } from '@tfsim/utils';

import { blasAvailable, BlasStore, blasUnavailableReason, preferredCoreType } from '../../src/kernel/blas';
import { KernelMode } from '../../src/kernel/engine';

describe('preferredCoreType', () => {
  const cpu = (vendor: string, flags: string) =>
    `processor\t: 0\nvendor_id\t: ${vendor}\nflags\t\t: fpu sse2 avx2 fma ${flags}\n\nprocessor\t: 1\n`;
  const avx512 = 'avx512f avx512dq avx512cd avx512bw avx512vl';

  it('asks for the AVX-512 kernels on an AMD CPU that has them', () => {
    expect(preferredCoreType(cpu('AuthenticAMD', avx512))).toBe('SKYLAKEX');
  });

  it('leaves OpenBLAS its own choice elsewhere', () => {
    expect(preferredCoreType(cpu('GenuineIntel', avx512))).toBeUndefined();
    expect(preferredCoreType(cpu('AuthenticAMD', 'avx512f avx512dq avx512cd avx512bw'))).toBeUndefined();
    expect(preferredCoreType('')).toBeUndefined();
  });
});

// The native kernel's candidates against a reference written here. Integer
// data keep every dot product, norm and sum exact in float32 whatever the
// GEMM's summation order, and d = 16 makes SNR's / d exact too: the kernel
// values must then equal the reference to the bit, and the many equal values
// show the tie rule (lower key index first) across query blocks, key blocks
// and threads.
const describeBlas = blasAvailable() ? describe : describe.skip;
if (!blasAvailable()) console.warn(`BlasStore tests SKIPPED: ${blasUnavailableReason()}`);

describeBlas('BlasStore.search (the native kernel)', () => {
  const d = 16;
  const rng = new Rng(5);
  const grid = (count: number) => Float32Array.from({ length: count * d }, () => Math.floor(rng.uniform() * 5) - 2);

  /** The kernel value of linear.ts's modes, in float64 (exact here). */
  function value(mode: KernelMode, q: Float32Array, k: Float32Array): number {
    let dot = 0;
    let qn = 0;
    let kn = 0;
    let qs = 0;
    let ks = 0;
    for (let j = 0; j < d; j++) {
      dot += q[j]! * k[j]!;
      qn += q[j]! * q[j]!;
      kn += k[j]! * k[j]!;
      qs += q[j]!;
      ks += k[j]!;
    }
    if (mode === KernelMode.InnerProduct) return -dot;
    if (mode === KernelMode.Cosine) return Math.max(-dot, -1);
    if (mode === KernelMode.SquaredL2) return qn + kn - 2 * dot;
    return qn + kn - 2 * dot - ((qs - ks) * (qs - ks)) / d;
  }

  /** The K smallest (value, index) pairs, ordered by value then index. */
  function reference(keys: Float32Array, mode: KernelMode, q: Float32Array, K: number): Array<[number, number]> {
    const all: Array<[number, number]> = [];
    for (let i = 0; i < keys.length / d; i++) all.push([value(mode, q, keys.subarray(i * d, (i + 1) * d)), i]);
    return all.sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, K);
  }

  const modes = [KernelMode.InnerProduct, KernelMode.Cosine, KernelMode.SquaredL2, KernelMode.Snr];
  // 3 queries x 24,000 keys: the threads split the keys and merge their heaps.
  // 520 x 2,100: they split the queries; on one thread two query blocks (512 + 8);
  // key blocks of 1,024 with a tail either way.
  it.each([
    [3, 24_000, 36],
    [3, 24_000, 1],
    [520, 2_100, 36],
  ])('%i queries x %i keys, K %i: the K smallest kernel values, ties to the lower key, on 1, 2 and 3 threads', (m, n, K) => {
    const keys = grid(n);
    const store = new BlasStore(d);
    store.append({ data: keys, rows: n, cols: d });
    const q = grid(m);
    let ties = 0;
    for (const mode of modes) {
      // One more than K: whether the K-th value is shared with a key left out.
      const longer = Array.from({ length: m }, (_, i) => reference(keys, mode, q.subarray(i * d, (i + 1) * d), K + 1));
      for (const threads of [1, 2, 3]) {
        const found = store.search({ data: q, rows: m, cols: d }, mode, K, threads);
        // The first query whose candidates differ (one expect per case: jest's deep equality is slow per row).
        const wrong = found.findIndex((c, i) => {
          const got = Array.from(c.keys, (key, e): [number, number] => [c.values[e]!, key]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          return got.join(';') !== longer[i]!.slice(0, K).join(';');
        });
        expect({ mode, threads, wrong }).toEqual({ mode, threads, wrong: -1 });
        if (threads === 1) for (let i = 0; i < m; i++) if (longer[i]![K - 1]![0] === longer[i]![K]![0]) ties++;
      }
    }
    // The boundary value is shared with a key left out in most rows: the tie rule decided them.
    expect(ties).toBeGreaterThan(m);
  });
});
