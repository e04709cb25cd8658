/**
 * tf.train.Example, the message most TFRecord files hold, decoded and encoded
 * by hand. The message family is six tiny frozen proto3 messages
 * (Example > Features > map<string, Feature> > BytesList | FloatList |
 * Int64List); a direct decoder reads int64 values exactly as bigint and
 * copies packed floats straight into a Float32Array, with no schema to load
 * and no dependency, and names what is malformed. Both the packed and the
 * unpacked encodings of repeated numbers are accepted, as protobuf requires.
 */
import { FormatError, ValueError } from '@tfsim/utils';

/** One feature: exactly one of the three lists is set (none for an empty `Feature`). */
export interface Feature {
  bytesList?: Uint8Array[];
  floatList?: Float32Array;
  int64List?: BigInt64Array;
}

/** A decoded tf.train.Example: `example.features.label.int64List`. */
export interface Example {
  features: Record<string, Feature>;
}

/** What `encodeExample` accepts for one feature: typed arrays, plain arrays, strings as UTF-8. */
export type FeatureInput =
  | { bytesList: ReadonlyArray<Uint8Array | string> }
  | { floatList: ArrayLike<number> }
  | { int64List: ArrayLike<number | bigint> }
  | Feature;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

class Reader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
    readonly what: string,
  ) {
    this.pos = start;
  }

  fail(message: string): never {
    throw new FormatError(`malformed tf.train.Example: ${message} in ${this.what} at byte ${this.pos}`);
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint that must fit in 2^53 (tags and lengths). */
  uint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
    this.fail('varint too long for a length or tag');
  }

  /** A 64-bit varint as a signed bigint (two's complement, as int64 is encoded). */
  int64(): bigint {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const byte = this.buf[this.pos++]!;
      const bits = byte & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (byte < 0x80) {
        if (hi === 0 && lo >= 0) return BigInt(lo);
        return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
      }
      shift += 7;
    }
    this.fail('varint longer than 10 bytes');
  }

  length(): number {
    const n = this.uint();
    if (n > this.end - this.pos) this.fail(`length ${n} runs past the end (${this.end - this.pos} bytes left)`);
    return n;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.int64();
        return;
      case WIRE_I64:
        if (this.end - this.pos < 8) this.fail('truncated fixed64');
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos += this.length();
        return;
      case WIRE_I32:
        if (this.end - this.pos < 4) this.fail('truncated fixed32');
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wireType}`);
    }
  }

  /** A sub-reader over the next length-delimited field. */
  sub(what: string): Reader {
    const n = this.length();
    const reader = new Reader(this.buf, this.pos, this.pos + n, what);
    this.pos += n;
    return reader;
  }
}

function floatsFromBytes(buf: Uint8Array, start: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN) {
    // Byte copy: exact for every bit pattern, NaN payloads included.
    new Uint8Array(out.buffer).set(buf.subarray(start, start + count * 4));
  } else {
    const view = new DataView(buf.buffer, buf.byteOffset + start, count * 4);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

function concatFloats(a: Float32Array | undefined, b: Float32Array): Float32Array {
  if (!a || a.length === 0) return b;
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function decodeBytesList(r: Reader): Uint8Array[] {
  const values: Uint8Array[] = [];
  while (!r.done()) {
    const tag = r.uint();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const n = r.length();
      values.push(r.buf.slice(r.pos, r.pos + n));
      r.pos += n;
    } else r.skip(tag & 7);
  }
  return values;
}

function decodeFloatList(r: Reader): Float32Array {
  // Packed runs and unpacked single floats, in order; joined once at the end.
  const runs: Array<[number, number]> = [];
  let total = 0;
  while (!r.done()) {
    const tag = r.uint();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const n = r.length();
      if (n % 4 !== 0) r.fail(`packed float list of ${n} bytes (not a multiple of 4)`);
      runs.push([r.pos, n / 4]);
      total += n / 4;
      r.pos += n;
    } else if (tag === ((1 << 3) | WIRE_I32)) {
      if (r.end - r.pos < 4) r.fail('truncated float');
      runs.push([r.pos, 1]);
      total += 1;
      r.pos += 4;
    } else r.skip(tag & 7);
  }
  if (runs.length === 1) return floatsFromBytes(r.buf, runs[0]![0], runs[0]![1]);
  const out = new Float32Array(total);
  let at = 0;
  for (const [start, count] of runs) {
    out.set(floatsFromBytes(r.buf, start, count), at);
    at += count;
  }
  return out;
}

function decodeInt64List(r: Reader): BigInt64Array {
  const values: bigint[] = [];
  while (!r.done()) {
    const tag = r.uint();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const packed = r.sub('Int64List');
      while (!packed.done()) values.push(packed.int64());
    } else if (tag === ((1 << 3) | WIRE_VARINT)) {
      values.push(r.int64());
    } else r.skip(tag & 7);
  }
  return BigInt64Array.from(values);
}

function decodeFeature(r: Reader, into: Feature): Feature {
  // Proto merge semantics: a repeated occurrence of the same list appends,
  // another member of the oneof replaces.
  let feature = into;
  while (!r.done()) {
    const tag = r.uint();
    const field = tag >>> 3;
    if ((tag & 7) !== WIRE_LEN || field < 1 || field > 3) {
      r.skip(tag & 7);
      continue;
    }
    const sub = r.sub(['', 'BytesList', 'FloatList', 'Int64List'][field]!);
    if (field === 1) {
      const values = decodeBytesList(sub);
      feature = { bytesList: feature.bytesList ? [...feature.bytesList, ...values] : values };
    } else if (field === 2) {
      feature = { floatList: concatFloats(feature.floatList, decodeFloatList(sub)) };
    } else {
      const values = decodeInt64List(sub);
      if (feature.int64List && feature.int64List.length) {
        const merged = new BigInt64Array(feature.int64List.length + values.length);
        merged.set(feature.int64List);
        merged.set(values, feature.int64List.length);
        feature = { int64List: merged };
      } else feature = { int64List: values };
    }
  }
  return feature;
}

function decodeFeatures(r: Reader, features: Record<string, Feature>): void {
  while (!r.done()) {
    const tag = r.uint();
    if (tag !== ((1 << 3) | WIRE_LEN)) {
      r.skip(tag & 7);
      continue;
    }
    const entry = r.sub('Features map entry');
    let key = '';
    let value: Feature = {};
    while (!entry.done()) {
      const entryTag = entry.uint();
      if (entryTag === ((1 << 3) | WIRE_LEN)) {
        const n = entry.length();
        try {
          key = utf8Decoder.decode(entry.buf.subarray(entry.pos, entry.pos + n));
        } catch {
          entry.fail('feature name is not valid UTF-8');
        }
        entry.pos += n;
      } else if (entryTag === ((2 << 3) | WIRE_LEN)) {
        value = decodeFeature(entry.sub('Feature'), value);
      } else entry.skip(entryTag & 7);
    }
    features[key] = value;
  }
}

/**
 * Decodes a serialised tf.train.Example (one TFRecord record, as Python's
 * `tf.train.Example.FromString`). Floats come back as a Float32Array, int64
 * values exactly as a BigInt64Array, bytes as Uint8Array copies.
 */
export function parseExample(bytes: Uint8Array): Example {
  const features: Record<string, Feature> = Object.create(null) as Record<string, Feature>;
  const r = new Reader(bytes, 0, bytes.length, 'Example');
  while (!r.done()) {
    const tag = r.uint();
    if (tag === ((1 << 3) | WIRE_LEN)) decodeFeatures(r.sub('Features'), features);
    else r.skip(tag & 7);
  }
  return { features };
}

// ---------------------------------------------------------------- encoding

class Writer {
  private buf = new Uint8Array(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  uint(value: number): void {
    this.reserve(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.length++] = v;
  }

  int64(value: bigint): void {
    this.reserve(10);
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.buf[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.length++] = Number(v);
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** A length-delimited field whose body `body` writes. */
  nested(field: number, body: (w: Writer) => void): void {
    const inner = new Writer();
    body(inner);
    this.uint((field << 3) | WIRE_LEN);
    this.uint(inner.length);
    this.bytes(inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function toInt64(value: number | bigint, name: string): bigint {
  if (typeof value === 'bigint') {
    if (value < -(2n ** 63n) || value >= 2n ** 63n) throw new ValueError(`feature "${name}": ${value} is out of int64 range`);
    return value;
  }
  if (!Number.isSafeInteger(value)) {
    throw new ValueError(`feature "${name}": int64List values must be safe integers or bigints, got ${value}`);
  }
  return BigInt(value);
}

function writeFeature(w: Writer, name: string, feature: FeatureInput): void {
  const f = feature as {
    bytesList?: ReadonlyArray<Uint8Array | string>;
    floatList?: ArrayLike<number>;
    int64List?: ArrayLike<number | bigint>;
  };
  const kinds = [f.bytesList, f.floatList, f.int64List].filter((v) => v !== undefined).length;
  if (kinds > 1) throw new ValueError(`feature "${name}" sets more than one of bytesList, floatList, int64List`);
  if (f.bytesList) {
    const list = f.bytesList;
    w.nested(1, (l) => {
      for (const item of list) {
        const data = typeof item === 'string' ? utf8Encoder.encode(item) : item;
        l.uint((1 << 3) | WIRE_LEN);
        l.uint(data.length);
        l.bytes(data);
      }
    });
  } else if (f.floatList) {
    const values = f.floatList instanceof Float32Array ? f.floatList : Float32Array.from(f.floatList);
    w.nested(2, (l) => {
      if (values.length === 0) return;
      l.uint((1 << 3) | WIRE_LEN);
      l.uint(values.length * 4);
      if (LITTLE_ENDIAN) l.bytes(new Uint8Array(values.buffer, values.byteOffset, values.length * 4));
      else {
        const le = new Uint8Array(values.length * 4);
        const view = new DataView(le.buffer);
        for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
        l.bytes(le);
      }
    });
  } else if (f.int64List) {
    const list = f.int64List;
    w.nested(3, (l) => {
      if (list.length === 0) return;
      l.nested(1, (packed) => {
        for (let i = 0; i < list.length; i++) packed.int64(toInt64(list[i]!, name));
      });
    });
  }
}

/**
 * Serialises features as a tf.train.Example (Python's
 * `tf.train.Example(features=tf.train.Features(feature=...)).SerializeToString()`),
 * with packed numbers as protobuf writes them. Strings in a bytesList are
 * written as UTF-8.
 */
export function encodeExample(features: Record<string, FeatureInput>): Uint8Array {
  const w = new Writer();
  const names = Object.keys(features);
  if (names.length === 0) return new Uint8Array(0);
  w.nested(1, (fw) => {
    for (const name of names) {
      fw.nested(1, (entry) => {
        const key = utf8Encoder.encode(name);
        entry.uint((1 << 3) | WIRE_LEN);
        entry.uint(key.length);
        entry.bytes(key);
        entry.nested(2, (value) => writeFeature(value, name, features[name]!));
      });
    }
  });
  return w.finish().slice();
}
