import { FormatError } from '@tfsim/utils';

import { dataJsonOf, decodeRecord, encodeRecord } from '../src/codec';

describe('record codec', () => {
  it('lays a record out as float64 label, float32 embedding, UTF-8 JSON, little-endian', () => {
    const bytes = encodeRecord(Float32Array.from([1, -2]), 3, '"é"');
    // 3 as float64 LE: 0x4008000000000000; 1 and -2 as float32 LE; then the bytes of "é" in UTF-8.
    expect(Array.from(bytes)).toEqual([0, 0, 0, 0, 0, 0, 8, 0x40, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0x22, 0xc3, 0xa9, 0x22]);
  });

  it('decodes what it encodes, bit for bit, with no label as null', () => {
    const embedding = Float32Array.from([-0, 1e-45, 3.4028234663852886e38, Math.fround(1 / 3)]);
    const data = { s: 'héllo ✓', n: [1, null] };
    const record = decodeRecord(encodeRecord(embedding, null, JSON.stringify(data)), 4, 'test');
    expect(new Uint32Array(record.embedding.buffer)).toEqual(new Uint32Array(embedding.buffer));
    expect(record.label).toBeNull();
    expect(record.data).toEqual(data);
    expect(decodeRecord(encodeRecord(embedding, -7, 'null'), 4, 'test').label).toBe(-7);
  });

  it('reads a record inside a larger buffer (as a database hands it out)', () => {
    const inner = encodeRecord(Float32Array.from([5, 6]), 1, '{"a":1}');
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    const record = decodeRecord(outer.subarray(3), 2, 'test');
    expect(Array.from(record.embedding)).toEqual([5, 6]);
    expect(record.data).toEqual({ a: 1 });
  });

  it('refuses short records and data that is not UTF-8 JSON, naming where', () => {
    const short = encodeRecord(Float32Array.from([1]), 1, 'null');
    expect(() => decodeRecord(short.subarray(0, 10), 1, 'key 7')).toThrow(FormatError);
    expect(() => decodeRecord(short.subarray(0, 10), 1, 'key 7')).toThrow(/key 7: record of 10 bytes is too short for dimension 1/);
    const notJson = encodeRecord(Float32Array.from([1]), 1, '{oops');
    expect(() => decodeRecord(notJson, 1, 'key 8')).toThrow(/key 8: record data is not UTF-8 JSON/);
    const badUtf8 = new Uint8Array([...encodeRecord(Float32Array.from([1]), 1, '').subarray(0, 12), 0xff]);
    expect(() => decodeRecord(badUtf8, 1, 'key 9')).toThrow(/key 9: record data is not UTF-8 JSON/);
  });

  it('gives the JSON of a record’s data, null for none', () => {
    expect(dataJsonOf({ embedding: new Float32Array(0), label: null, data: { x: [1] } })).toBe('{"x":[1]}');
    expect(dataJsonOf({ embedding: new Float32Array(0), label: null, data: undefined })).toBe('null');
  });
});
