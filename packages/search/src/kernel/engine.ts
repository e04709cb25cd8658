/**
 * The fast path of LinearSearch: keys live in a shared WebAssembly memory in
 * the panel layout of linear.wat; a lookup runs the kernel (on several
 * threads for large batches) to keep, per query, the K best candidates by a
 * float32 value, and linear.ts re-scores those exactly.
 */
import { type Matrix, ValueError } from '@tfsim/utils/core';

import { LINEAR_KERNEL_BASE64 } from './linear-wasm';
import { FLAG_BYTES, runParts } from './pool';
import { wasm, type WasmInstance, type WasmMemory, type WasmModule } from './wasm';

/** How the kernel orders keys; see linear.wat. */
export enum KernelMode {
  InnerProduct = 0,
  Cosine = 1,
  SquaredL2 = 2,
  Snr = 3,
  Manhattan = 4,
}

const PAGE = 65536;
const MAX_PAGES = 65536;
/** Empty heap slots carry this index. */
export const NO_KEY = 0x7fffffff;
/** Bytes of scratch (queries, heaps) a kernel call may use; larger batches go in chunks. */
const SCRATCH_BUDGET = 48 * 1024 * 1024;
/** Bytes of key panels per cache tile. */
const TILE_BYTES = 160 * 1024;
/** Key panels per kernel call. */
const CALL_PANELS = 1024;
/** Below this many multiply-adds a lookup stays on the calling thread. */
const PARALLEL_WORK = 4_000_000;

let compiled: WasmModule | undefined;
function kernelModule(): WasmModule {
  compiled ??= new wasm.Module(Buffer.from(LINEAR_KERNEL_BASE64, 'base64'));
  return compiled;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** What a kernel lookup leaves for one query: its K best (value, key index) pairs. */
export interface Candidates {
  values: Float32Array;
  keys: Int32Array;
}

/**
 * Keys in panels of 8 (see linear.wat), with |k|^2 and sum(k) per key, and the
 * maxima the error bounds of linear.ts need.
 */
export class PanelStore {
  private readonly memory: WasmMemory;
  private readonly instance: WasmInstance;
  private count = 0;
  private capacityPanels = 0;
  /** Largest |k|^2 and sum |k_j| over the keys (float64). */
  maxNorm2 = 0;
  maxL1 = 0;
  /** False once a key's |k|^2 or sum overflows float32: the kernel cannot order it. */
  finite = true;

  readonly stride: number;
  readonly base = FLAG_BYTES;

  constructor(readonly dim: number) {
    this.stride = (dim + 2) * 32;
    this.memory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    this.instance = new wasm.Instance(kernelModule(), { env: { memory: this.memory } });
  }

  get size(): number {
    return this.count;
  }

  private get panelsEnd(): number {
    return this.base + this.capacityPanels * this.stride;
  }

  /** Makes room for `bytes` at `offset`, growing the memory. Throws a ValueError past 4 GiB. */
  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil(bytes / PAGE);
    if (pages > MAX_PAGES) {
      throw new ValueError(`LinearSearch holds at most 4 GiB of embeddings and scratch; ${bytes} bytes were needed`);
    }
    this.memory.grow(pages - have / PAGE);
  }

  /** Checks that `rows` more keys fit; call before changing anything. */
  reserve(rows: number): void {
    const needed = Math.ceil((this.count + rows) / 8);
    if (needed <= this.capacityPanels) return;
    const capacity = Math.max(needed, Math.ceil(this.capacityPanels * 1.5), 16);
    this.ensure(this.base + capacity * this.stride);
    this.capacityPanels = capacity;
  }

  /** Appends validated rows (call reserve first). */
  append(m: Matrix): void {
    this.reserve(m.rows);
    const f32 = new Float32Array(this.memory.buffer);
    const d = this.dim;
    for (let r = 0; r < m.rows; r++) {
      const i = this.count + r;
      const panel = (this.base + (i >>> 3) * this.stride) >>> 2;
      const lane = i & 7;
      let norm2 = 0;
      let sum = 0;
      let l1 = 0;
      const off = r * d;
      for (let j = 0; j < d; j++) {
        const v = m.data[off + j]!;
        f32[panel + j * 8 + lane] = v;
        norm2 += v * v;
        sum += v;
        l1 += v < 0 ? -v : v;
      }
      const n2 = Math.fround(norm2);
      const s = Math.fround(sum);
      f32[panel + d * 8 + lane] = n2;
      f32[panel + d * 8 + 8 + lane] = s;
      if (!Number.isFinite(n2) || !Number.isFinite(s) || !Number.isFinite(Math.fround(l1))) this.finite = false;
      if (norm2 > this.maxNorm2) this.maxNorm2 = norm2;
      if (l1 > this.maxL1) this.maxL1 = l1;
    }
    this.count += m.rows;
  }

  /** Copies keys [start, end) into `out` as row-major rows. */
  copyRows(start: number, end: number, out: Float32Array = new Float32Array((end - start) * this.dim)): Float32Array {
    const f32 = new Float32Array(this.memory.buffer);
    const d = this.dim;
    for (let i = start; i < end; i++) {
      const panel = (this.base + (i >>> 3) * this.stride) >>> 2;
      const lane = i & 7;
      const o = (i - start) * d;
      for (let j = 0; j < d; j++) out[o + j] = f32[panel + j * 8 + lane]!;
    }
    return out;
  }

  /** Copies the keys at `indices` into row-major rows. */
  gatherRows(indices: ArrayLike<number>, out: Float32Array = new Float32Array(indices.length * this.dim)): Float32Array {
    const f32 = new Float32Array(this.memory.buffer);
    const d = this.dim;
    for (let r = 0; r < indices.length; r++) {
      const i = indices[r]!;
      const panel = (this.base + (i >>> 3) * this.stride) >>> 2;
      const lane = i & 7;
      const o = r * d;
      for (let j = 0; j < d; j++) out[o + j] = f32[panel + j * 8 + lane]!;
    }
    return out;
  }

  /**
   * For each query, the `K` smallest kernel values and their key indices
   * (unsorted; NO_KEY marks an unused slot when fewer than K keys have a
   * value below +Infinity). `threads` bounds the threads used.
   */
  search(queries: Matrix, mode: KernelMode, K: number, threads: number): Candidates[] {
    const d = this.dim;
    const out: Candidates[] = new Array(queries.rows);
    const perQuery = d * 4 + 16 + K * 8;
    const chunkGroups = Math.max(1, Math.min(Math.ceil(queries.rows / 4), Math.floor(SCRATCH_BUDGET / (4 * perQuery))));
    const npanels = Math.ceil(this.count / 8);
    const tile = Math.max(1, Math.floor(TILE_BYTES / this.stride));
    for (let g0 = 0; g0 * 4 < queries.rows; g0 += chunkGroups) {
      const q0 = g0 * 4;
      const rows = Math.min(chunkGroups * 4, queries.rows - q0);
      const groups = Math.ceil(rows / 4);
      const qBase = align(this.panelsEnd, 64);
      const pBase = qBase + groups * d * 16;
      const hBase = align(pBase + groups * 64, 64);
      this.ensure(hBase + groups * 4 * K * 8);
      const buffer = this.memory.buffer;
      const f32 = new Float32Array(buffer);
      const i32 = new Int32Array(buffer);
      // Queries, interleaved by 4 (padding queries are zeros), and |q|^2, sum(q).
      f32.fill(0, qBase >>> 2, (qBase + groups * d * 16) >>> 2);
      for (let r = 0; r < rows; r++) {
        const g = r >>> 2;
        const lane = r & 3;
        const dst = ((qBase + g * d * 16) >>> 2) + lane;
        const src = (q0 + r) * d;
        let norm2 = 0;
        let sum = 0;
        for (let j = 0; j < d; j++) {
          const v = queries.data[src + j]!;
          f32[dst + j * 4] = v;
          norm2 += v * v;
          sum += v;
        }
        f32[(pBase >>> 2) + r * 4] = norm2;
        f32[(pBase >>> 2) + r * 4 + 1] = sum;
      }
      // Empty heaps: +Infinity with the largest index, so any finite value enters.
      const heapWords = groups * 4 * K * 2;
      for (let w = 0; w < heapWords; w += 2) {
        f32[(hBase >>> 2) + w] = Number.POSITIVE_INFINITY;
        i32[(hBase >>> 2) + w + 1] = NO_KEY;
      }
      // Split the query groups between threads when the batch is worth it.
      const work = rows * this.count * d;
      const parts = Math.max(1, Math.min(threads, groups, work >= PARALLEL_WORK ? threads : 1));
      const args: number[][][] = [];
      let start = 0;
      for (let p = 0; p < parts; p++) {
        const end = Math.round(((p + 1) * groups) / parts);
        if (end > start) {
          const calls: number[][] = [];
          for (let p0 = 0; p0 < npanels; p0 += CALL_PANELS) {
            calls.push([
              this.base,
              p0,
              Math.min(npanels, p0 + CALL_PANELS),
              this.count,
              d,
              qBase + start * d * 16,
              end - start,
              pBase + start * 64,
              hBase + start * 4 * K * 8,
              K,
              mode,
              tile,
              Math.fround(1 / d),
            ]);
          }
          args.push(calls);
        }
        start = end;
      }
      runParts(kernelModule(), this.instance, this.memory, args);
      for (let r = 0; r < rows; r++) {
        const w = (hBase >>> 2) + r * K * 2;
        const values = new Float32Array(K);
        const keys = new Int32Array(K);
        for (let e = 0; e < K; e++) {
          values[e] = f32[w + 2 * e]!;
          keys[e] = i32[w + 2 * e + 1]!;
        }
        out[q0 + r] = { values, keys };
      }
    }
    return out;
  }
}
