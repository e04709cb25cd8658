/**
 * The few protobuf encodings a GraphDef / SavedModel needs (varints,
 * length-delimited fields, fixed32 floats), written by hand so graph mode
 * needs no protobuf dependency. Fields are appended in call order.
 */
export class ProtoWriter {
  private parts: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): this {
    this.parts.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private tag(field: number, wireType: number): this {
    return this.push(encodeVarint(BigInt(field * 8 + wireType)));
  }

  /** An int32/int64/enum/bool field (negative numbers as 10-byte two's complement, as protobuf does). */
  int(field: number, value: number | boolean): this {
    const n = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
    return this.tag(field, 0).push(encodeVarint(n < 0n ? n + (1n << 64n) : n));
  }

  /** A float field (fixed32). */
  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.tag(field, 5).push(b);
  }

  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, 2)
      .push(encodeVarint(BigInt(value.length)))
      .push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  /** A packed repeated varint field. */
  packedInts(field: number, values: ArrayLike<number | boolean>): this {
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const n = typeof v === 'boolean' ? (v ? 1n : 0n) : BigInt(v);
      inner.push(encodeVarint(n < 0n ? n + (1n << 64n) : n));
    }
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(4 * values.length);
    const view = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i]!, true);
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function encodeVarint(n: bigint): Uint8Array {
  const bytes: number[] = [];
  do {
    let byte = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0n);
  return Uint8Array.from(bytes);
}
