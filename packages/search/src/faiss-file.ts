/**
 * Checks of a faiss index (the bytes of `write_index`, faiss 1.7) before
 * faiss reads them: faiss trusts the sizes a file records, so a hostile or
 * truncated file could make it allocate or read without bound. The indexes
 * FaissSearch builds (flat, HNSW over flat, IVF-flat, IVF-PQ) are walked field by
 * field: every vector length must fit in the bytes left, agree with the
 * index's own counts, and the walk must end exactly at the last byte. Other
 * index types (PQ codes, factory strings) get the header checks only.
 */
import { FormatError } from '@tfsim/utils/core';

const FLAT = new Set(['IxF2', 'IxFI', 'IxFl']);

class Cursor {
  offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly view: DataView,
    private readonly where: string,
  ) {}

  fail(message: string): never {
    throw new FormatError(`${this.where}: ${message} (at byte ${this.offset} of ${this.bytes.length})`);
  }

  need(n: number): void {
    if (!(n >= 0) || this.offset + n > this.bytes.length) this.fail(`truncated: ${n} more bytes needed`);
  }

  fourcc(): string {
    this.need(4);
    const s = String.fromCharCode(...this.bytes.subarray(this.offset, this.offset + 4));
    this.offset += 4;
    return s;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }

  /** A 64-bit count; anything beyond 2^53 cannot fit in a file anyway. */
  u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`implausible count ${v}`);
    return Number(v);
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }

  /** A std::vector as faiss writes it: its length, then its elements; returns the length. */
  vector(elementBytes: number, expected?: number, what = 'vector'): number {
    const n = this.u64();
    if (expected !== undefined && n !== expected) this.fail(`${what} holds ${n} elements, expected ${expected}`);
    this.skip(n * elementBytes);
    return n;
  }

  lastSizeT(count: number): number {
    return count === 0 ? 0 : Number(this.view.getBigUint64(this.offset - 8, true));
  }
}

interface Header {
  d: number;
  ntotal: number;
}

function header(c: Cursor): Header {
  const d = c.i32();
  const ntotal = c.u64();
  c.skip(8 + 8 + 1);
  const metric = c.i32();
  if (metric > 1) c.skip(4);
  if (d < 1 || d > 65536) c.fail(`implausible dimension ${d}`);
  return { d, ntotal };
}

/** Walks one (possibly nested) index; returns its header. */
function walk(c: Cursor): Header {
  const kind = c.fourcc();
  const h = header(c);
  if (FLAT.has(kind)) {
    c.vector(4, h.ntotal * h.d, 'the flat codes');
  } else if (kind === 'IHNf') {
    c.vector(8, undefined, 'assign_probas');
    c.vector(4, undefined, 'cum_nneighbor_per_level');
    c.vector(4, h.ntotal, 'levels');
    const offsets = c.vector(8, h.ntotal + 1, 'offsets');
    const neighbours = c.lastSizeT(offsets);
    c.vector(4, neighbours, 'neighbors');
    c.skip(5 * 4);
    const storage = walk(c);
    if (storage.d !== h.d || storage.ntotal !== h.ntotal) c.fail('the HNSW storage disagrees with its graph');
  } else if (kind === 'IwFl') {
    const nlist = ivfHeader(c, h);
    invertedLists(c, nlist, h, 4 * h.d, 'IVF-flat');
  } else if (kind === 'IwPQ') {
    const nlist = ivfHeader(c, h);
    c.skip(1); // by_residual
    const codeSize = c.u64();
    // The product quantizer: d, M, nbits (size_t each), then M * 2^nbits centroids of d / M floats.
    const pqD = c.u64();
    const m = c.u64();
    const nbits = c.u64();
    if (pqD !== h.d || m < 1 || h.d % m !== 0 || nbits < 1 || nbits > 16)
      c.fail(`implausible product quantizer: d ${pqD}, M ${m}, nbits ${nbits}`);
    if (codeSize !== Math.ceil((m * nbits) / 8)) c.fail(`IVF-PQ code size ${codeSize}, expected ${Math.ceil((m * nbits) / 8)}`);
    c.vector(4, h.d * 2 ** nbits, 'the PQ centroids');
    invertedLists(c, nlist, h, codeSize, 'IVF-PQ');
  } else {
    // Not one FaissSearch builds by name: the header only (faiss checks the rest itself).
    return h;
  }
  return h;
}

/** The IVF part every IVF index writes after its header: nlist, nprobe, the quantizer, the direct map; returns nlist. */
function ivfHeader(c: Cursor, h: Header): number {
  const nlist = c.u64();
  c.skip(8); // nprobe
  const quantizer = walk(c);
  if (quantizer.d !== h.d || quantizer.ntotal !== nlist) c.fail(`the IVF quantizer holds ${quantizer.ntotal} centroids, expected ${nlist}`);
  c.skip(1); // the direct map's type
  c.vector(8, undefined, 'the direct map');
  return nlist;
}

function invertedLists(c: Cursor, nlist: number, h: Header, expectedCodeSize: number, what: string): void {
  const kind = c.fourcc();
  if (kind === 'il00') return;
  if (kind !== 'ilar') c.fail(`unsupported inverted lists "${kind}"`);
  if (c.u64() !== nlist) c.fail('the inverted lists disagree with nlist');
  const codeSize = c.u64();
  if (codeSize !== expectedCodeSize) c.fail(`${what} inverted lists of code size ${codeSize}, expected ${expectedCodeSize}`);
  const layout = c.fourcc();
  const n = c.u64();
  const sizes: number[] = [];
  c.need(8 * n);
  for (let i = 0; i < n; i++) sizes.push(c.u64());
  let lists: number[];
  if (layout === 'full') {
    if (n !== nlist) c.fail(`${n} list sizes for ${nlist} lists`);
    lists = sizes;
  } else if (layout === 'sprs') {
    if (n % 2 !== 0) c.fail('odd sparse list table');
    lists = sizes.filter((_, i) => i % 2 === 1);
  } else {
    c.fail(`unsupported inverted list layout "${layout}"`);
  }
  let total = 0;
  for (const size of lists) {
    c.skip(size * (codeSize + 8));
    total += size;
  }
  if (total !== h.ntotal) c.fail(`the inverted lists hold ${total} vectors, the index ${h.ntotal}`);
}

/** Throws a FormatError unless `bytes` is a well-formed faiss index of dimension `dim` holding `size` vectors. */
export function checkFaissBytes(bytes: Uint8Array, dim: number, size: number, where: string): void {
  const c = new Cursor(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), where);
  const kind = bytes.length >= 4 ? String.fromCharCode(...bytes.subarray(0, 4)) : '';
  const h = walk(c);
  if (h.d !== dim || h.ntotal !== size) c.fail(`the index holds ${h.ntotal} vectors of dimension ${h.d}, the manifest ${size} of ${dim}`);
  const walked = FLAT.has(kind) || kind === 'IHNf' || kind === 'IwFl' || kind === 'IwPQ';
  if (walked && c.offset !== bytes.length) c.fail(`${bytes.length - c.offset} bytes after the end of the index`);
}
