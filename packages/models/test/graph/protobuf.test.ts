/**
 * ProtoWriter against the protobuf wire format, bytes computed by hand from
 * the spec (https://protobuf.dev/programming-guides/encoding/): tag =
 * field * 8 + wire type, varints in 7-bit groups least significant first,
 * negative int64 as 10-byte two's complement, fixed32 little-endian.
 */
import { ProtoWriter } from '../../src/graph/protobuf';

const bytes = (w: ProtoWriter): number[] => Array.from(w.finish());

describe('ProtoWriter', () => {
  it.each([
    [0, [0x08, 0x00]],
    [1, [0x08, 0x01]],
    [127, [0x08, 0x7f]],
    [128, [0x08, 0x80, 0x01]],
    [300, [0x08, 0xac, 0x02]],
    [16383, [0x08, 0xff, 0x7f]],
    [16384, [0x08, 0x80, 0x80, 0x01]],
    [2 ** 32, [0x08, 0x80, 0x80, 0x80, 0x80, 0x10]],
    [2 ** 53 - 1, [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]],
  ])('int(1, %d): varint bytes', (value, expected) => {
    expect(bytes(new ProtoWriter().int(1, value))).toEqual(expected);
  });

  it("negative int64 is 10 bytes of two's complement (-1, -2, -300)", () => {
    expect(bytes(new ProtoWriter().int(1, -1))).toEqual([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(bytes(new ProtoWriter().int(1, -2))).toEqual([0x08, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    // 2^64 - 300 = ...FED4: low 7 bits 0x54 | 0x80, next 0x7d | 0x80, then all ones
    expect(bytes(new ProtoWriter().int(1, -300))).toEqual([0x08, 0xd4, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('booleans are varints 1 and 0', () => {
    expect(bytes(new ProtoWriter().int(5, true))).toEqual([0x28, 0x01]);
    expect(bytes(new ProtoWriter().int(5, false))).toEqual([0x28, 0x00]);
  });

  it('tags: field numbers past 15 take a two-byte varint tag; wire type in the low 3 bits', () => {
    expect(bytes(new ProtoWriter().int(15, 1))).toEqual([0x78, 0x01]);
    expect(bytes(new ProtoWriter().int(16, 1))).toEqual([0x80, 0x01, 0x01]);
    expect(bytes(new ProtoWriter().string(16, 'a'))).toEqual([0x82, 0x01, 0x01, 0x61]);
    expect(bytes(new ProtoWriter().float(16, 0))).toEqual([0x85, 0x01, 0, 0, 0, 0]);
  });

  it('floats are fixed32 little-endian (wire type 5)', () => {
    expect(bytes(new ProtoWriter().float(4, 1.5))).toEqual([0x25, 0x00, 0x00, 0xc0, 0x3f]);
    expect(bytes(new ProtoWriter().float(1, -2))).toEqual([0x0d, 0x00, 0x00, 0x00, 0xc0]);
    expect(bytes(new ProtoWriter().float(1, 0.1))).toEqual([0x0d, 0xcd, 0xcc, 0xcc, 0x3d]);
    expect(bytes(new ProtoWriter().float(1, Number.POSITIVE_INFINITY))).toEqual([0x0d, 0x00, 0x00, 0x80, 0x7f]);
  });

  it('strings and bytes are length-delimited (wire type 2), strings in UTF-8', () => {
    expect(bytes(new ProtoWriter().string(2, 'testing'))).toEqual([0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
    expect(bytes(new ProtoWriter().string(2, ''))).toEqual([0x12, 0x00]);
    expect(bytes(new ProtoWriter().string(1, 'é'))).toEqual([0x0a, 0x02, 0xc3, 0xa9]);
    expect(bytes(new ProtoWriter().bytes(3, Uint8Array.from([0, 255, 7])))).toEqual([0x1a, 0x03, 0x00, 0xff, 0x07]);
    const long = new ProtoWriter().bytes(1, new Uint8Array(200).fill(9)).finish();
    expect(long.length).toBe(203);
    expect(Array.from(long.subarray(0, 3))).toEqual([0x0a, 0xc8, 0x01]);
    expect(long.subarray(3).every((b) => b === 9)).toBe(true);
  });

  it("nested messages are length-delimited with the inner encoding (the spec's 150 example)", () => {
    expect(bytes(new ProtoWriter().message(3, new ProtoWriter().int(1, 150)))).toEqual([0x1a, 0x03, 0x08, 0x96, 0x01]);
    expect(bytes(new ProtoWriter().message(1, new ProtoWriter()))).toEqual([0x0a, 0x00]);
    const inner = new ProtoWriter().string(1, 'ab').message(2, new ProtoWriter().int(1, 300));
    expect(bytes(new ProtoWriter().message(7, inner))).toEqual([0x3a, 0x09, 0x0a, 0x02, 0x61, 0x62, 0x12, 0x03, 0x08, 0xac, 0x02]);
  });

  it("packed repeated varints: one length-delimited field (the spec's [3, 270, 86942] example)", () => {
    expect(bytes(new ProtoWriter().packedInts(4, [3, 270, 86942]))).toEqual([0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
    expect(bytes(new ProtoWriter().packedInts(5, [true, false, true]))).toEqual([0x2a, 0x03, 0x01, 0x00, 0x01]);
    expect(bytes(new ProtoWriter().packedInts(3, [-1, 1]))).toEqual([
      0x1a, 0x0b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01,
    ]);
    expect(bytes(new ProtoWriter().packedInts(3, Int32Array.from([2, 128])))).toEqual([0x1a, 0x03, 0x02, 0x80, 0x01]);
    expect(bytes(new ProtoWriter().packedInts(3, []))).toEqual([0x1a, 0x00]);
  });

  it('packed repeated floats: 4 little-endian bytes each', () => {
    expect(bytes(new ProtoWriter().packedFloats(4, [1, -2]))).toEqual([0x22, 0x08, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
    expect(bytes(new ProtoWriter().packedFloats(4, Float32Array.from([0.5])))).toEqual([0x22, 0x04, 0x00, 0x00, 0x00, 0x3f]);
  });

  it('fields are appended in call order; finish is repeatable; an empty writer is empty', () => {
    const w = new ProtoWriter().int(2, 1).int(1, 1).string(2, 'x');
    expect(bytes(w)).toEqual([0x10, 0x01, 0x08, 0x01, 0x12, 0x01, 0x78]);
    expect(bytes(w)).toEqual([0x10, 0x01, 0x08, 0x01, 0x12, 0x01, 0x78]);
    expect(new ProtoWriter().finish()).toEqual(new Uint8Array(0));
  });

  it('the same nested writer written twice gives its bytes twice', () => {
    const inner = new ProtoWriter().int(1, 1);
    expect(bytes(new ProtoWriter().message(1, inner).message(2, inner))).toEqual([0x0a, 0x02, 0x08, 0x01, 0x12, 0x02, 0x08, 0x01]);
  });
});
