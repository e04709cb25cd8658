/**
 * The BLAS path of LinearSearch: keys row-major in a Float32Array, scanned by
 * the native addon built from packages/setup-native/src/blas-kernel.c (a float32 GEMM on the
 * system OpenBLAS plus top-K selection) with the same kernel values as
 * linear.wat. Optional: `pnpm setup:native` builds it; where it does not load,
 * LinearSearch keeps its WebAssembly kernel.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { type Matrix, ValueError } from '@tfsim/utils/core';

import { optionalModule } from '../optional';
import type { Candidates } from './engine';
import { KernelMode } from './engine';

interface BlasAddon {
  search(
    keys: Float32Array,
    keyNorm2: Float64Array,
    keySum: Float64Array,
    n: number,
    d: number,
    queries: Float32Array,
    m: number,
    mode: number,
    K: number,
    outValues: Float32Array,
    outKeys: Int32Array,
    threads?: number,
  ): void;
  config(): string;
}

/** Where `pnpm setup:native` puts the addon (the same from src/ and dist/); TFSIM_BLAS_ADDON overrides. */
function addonPath(): string {
  return process.env.TFSIM_BLAS_ADDON ?? path.join(__dirname, '..', '..', 'native', 'tfsim-blas.node');
}

/**
 * The OpenBLAS core type to ask for on this CPU, from /proc/cpuinfo's text:
 * `SKYLAKEX` (the AVX-512 kernels) on an AMD CPU with AVX-512. OpenBLAS up to
 * 0.3.21 (Debian 12's) does not know AMD Zen 4 / 5 and runs its AVX2
 * (Haswell) kernels there; on Zen 5 its SkylakeX sgemm took about 0.6 of the
 * CPU time. Intel CPUs with AVX-512 get those kernels without asking.
 */
export function preferredCoreType(cpuinfo: string): string | undefined {
  const first = cpuinfo.split('\n\n')[0] ?? '';
  if (!/^vendor_id\s*:\s*AuthenticAMD\s*$/m.test(first)) return undefined;
  const flags = new Set((/^flags\s*:(.*)$/m.exec(first)?.[1] ?? '').trim().split(/\s+/));
  return ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f)) ? 'SKYLAKEX' : undefined;
}

/** Loads the addon; OPENBLAS_CORETYPE, read once as OpenBLAS loads, is set for the load alone unless the caller set it. */
function requireAddon(): BlasAddon {
  let coreType: string | undefined;
  if (process.env.OPENBLAS_CORETYPE === undefined && process.platform === 'linux' && process.arch === 'x64') {
    try {
      coreType = preferredCoreType(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    } catch {
      coreType = undefined;
    }
  }
  if (coreType) process.env.OPENBLAS_CORETYPE = coreType;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(addonPath()) as BlasAddon;
  } finally {
    // Child processes do not inherit it.
    if (coreType) delete process.env.OPENBLAS_CORETYPE;
  }
}

const loadBlas = optionalModule(() => {
  if (process.env.TFSIM_BLAS === '0') throw new Error('disabled by TFSIM_BLAS=0');
  return requireAddon();
});

/** True when the BLAS kernel of LinearSearch loads here. */
export function blasAvailable(): boolean {
  return loadBlas().module !== undefined;
}

/** OpenBLAS's own description of itself (version, build, the core type its kernels are for), or undefined when the kernel does not load. */
export function blasConfig(): string | undefined {
  return loadBlas().module?.config();
}

/** Why the BLAS kernel does not load here, or undefined when it does. */
export function blasUnavailableReason(): string | undefined {
  return loadBlas().error;
}

/** The modes the BLAS kernel serves (manhattan is no product: it stays on WebAssembly). */
export function blasServes(mode: KernelMode | undefined): boolean {
  return mode !== undefined && mode !== KernelMode.Manhattan;
}

/** Keys row-major, with |k|^2 and sum(k) in float64, and the maxima linear.ts's error bounds need. */
export class BlasStore {
  private readonly addon: BlasAddon;
  private rows = new Float32Array(0);
  private norm2 = new Float64Array(0);
  private sums = new Float64Array(0);
  private count = 0;
  maxNorm2 = 0;
  maxL1 = 0;
  finite = true;

  constructor(readonly dim: number) {
    const { module: addon, error } = loadBlas();
    if (!addon) throw new ValueError(`the BLAS kernel does not load here: ${error}`);
    this.addon = addon;
  }

  get size(): number {
    return this.count;
  }

  /** Makes room for `rows` more keys; call before changing anything. */
  reserve(rows: number): void {
    const needed = this.count + rows;
    if (needed <= this.norm2.length) return;
    const capacity = Math.max(needed, Math.ceil(this.norm2.length * 1.5), 16);
    const grown = new Float32Array(capacity * this.dim);
    grown.set(this.rows.subarray(0, this.count * this.dim));
    const norm2 = new Float64Array(capacity);
    norm2.set(this.norm2.subarray(0, this.count));
    const sums = new Float64Array(capacity);
    sums.set(this.sums.subarray(0, this.count));
    this.rows = grown;
    this.norm2 = norm2;
    this.sums = sums;
  }

  append(m: Matrix): void {
    this.reserve(m.rows);
    const d = this.dim;
    this.rows.set(m.data.subarray(0, m.rows * d), this.count * d);
    for (let r = 0; r < m.rows; r++) {
      let norm2 = 0;
      let sum = 0;
      let l1 = 0;
      for (let j = r * d; j < (r + 1) * d; j++) {
        const v = m.data[j]!;
        norm2 += v * v;
        sum += v;
        l1 += v < 0 ? -v : v;
      }
      this.norm2[this.count + r] = norm2;
      this.sums[this.count + r] = sum;
      // Same rule as the panels: a key whose float32 norm or sum overflows cannot be ordered in float32.
      if (!Number.isFinite(Math.fround(norm2)) || !Number.isFinite(Math.fround(sum)) || !Number.isFinite(Math.fround(l1)))
        this.finite = false;
      if (norm2 > this.maxNorm2) this.maxNorm2 = norm2;
      if (l1 > this.maxL1) this.maxL1 = l1;
    }
    this.count += m.rows;
  }

  copyRows(start: number, end: number, out: Float32Array = new Float32Array((end - start) * this.dim)): Float32Array {
    out.set(this.rows.subarray(start * this.dim, end * this.dim));
    return out;
  }

  gatherRows(indices: ArrayLike<number>, out: Float32Array = new Float32Array(indices.length * this.dim)): Float32Array {
    const d = this.dim;
    for (let r = 0; r < indices.length; r++) out.set(this.rows.subarray(indices[r]! * d, (indices[r]! + 1) * d), r * d);
    return out;
  }

  /** For each query, its K smallest kernel values and key indices, as PanelStore.search, on at most `threads` threads. */
  search(queries: Matrix, mode: KernelMode, K: number, threads: number): Candidates[] {
    const m = queries.rows;
    const values = new Float32Array(m * K);
    const keys = new Int32Array(m * K);
    this.addon.search(
      this.rows,
      this.norm2,
      this.sums,
      this.count,
      this.dim,
      queries.data.subarray(0, m * this.dim),
      m,
      mode,
      K,
      values,
      keys,
      threads,
    );
    const out: Candidates[] = new Array(m);
    for (let i = 0; i < m; i++) out[i] = { values: values.subarray(i * K, (i + 1) * K), keys: keys.subarray(i * K, (i + 1) * K) };
    return out;
  }
}
