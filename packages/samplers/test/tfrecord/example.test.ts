import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { FormatError, Rng, ValueError } from '@tfsim/utils';

import { encodeExample, type Feature, parseExample, readTFRecordFile } from '../../src';

const DIR = join(__dirname, '..', 'fixtures', 'tfrecord');

type ExpectedBytes = string | { length: number; sha256: string };
type ExpectedFloats = string[] | { length: number; sha256: string };
type ExpectedFeature =
  | { kind: null }
  | { kind: 'bytesList'; value: ExpectedBytes[] }
  | { kind: 'floatList'; value: ExpectedFloats }
  | { kind: 'int64List'; value: string[] };
interface ExpectedFile {
  compression: 'GZIP' | 'ZLIB' | null;
  examples?: Array<Record<string, ExpectedFeature>> | string;
  records?: ExpectedBytes[];
}

const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, ExpectedFile> & {
  _serialized_first_labelled: string;
};

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function expectBytes(actual: Uint8Array, want: ExpectedBytes): void {
  if (typeof want === 'string') expect(Buffer.from(actual).toString('base64')).toBe(want);
  else {
    expect(actual.length).toBe(want.length);
    expect(sha256(actual)).toBe(want.sha256);
  }
}

function expectFeature(actual: Feature, want: ExpectedFeature): void {
  const kinds = (['bytesList', 'floatList', 'int64List'] as const).filter((k) => actual[k] !== undefined);
  if (want.kind === null) {
    expect(kinds).toEqual([]);
    return;
  }
  expect(kinds).toEqual([want.kind]);
  if (want.kind === 'bytesList') {
    expect(actual.bytesList!.length).toBe(want.value.length);
    actual.bytesList!.forEach((b, i) => expectBytes(b, want.value[i]!));
  } else if (want.kind === 'floatList') {
    const floats = actual.floatList!;
    expect(floats).toBeInstanceOf(Float32Array);
    const bytes = new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
    if (Array.isArray(want.value)) {
      // Bit patterns: exact for -0, NaN, infinities and denormals.
      const bits = Array.from(new Uint32Array(Float32Array.from(floats).buffer), (b) => b.toString(16).padStart(8, '0'));
      expect(bits).toEqual(want.value);
    } else {
      expect(floats.length).toBe(want.value.length);
      expect(sha256(bytes)).toBe(want.value.sha256);
    }
  } else {
    expect(actual.int64List).toBeInstanceOf(BigInt64Array);
    expect(Array.from(actual.int64List!, (v) => v.toString())).toEqual(want.value);
  }
}

describe('tf.train.Example written by Python TensorFlow', () => {
  const exampleFiles = Object.keys(expected).filter((name) => !name.startsWith('_') && expected[name]!.examples !== undefined);

  it.each(exampleFiles)('%s reads back exactly, features and all', async (name) => {
    const file = expected[name]!;
    const examples = typeof file.examples === 'string' ? expected[file.examples]!.examples : file.examples;
    const records = await readTFRecordFile(join(DIR, name), { compression: file.compression });
    expect(records.length).toBe((examples as unknown[]).length);
    records.forEach((record, i) => {
      const want = (examples as Array<Record<string, ExpectedFeature>>)[i]!;
      const { features } = parseExample(record);
      expect(Object.keys(features).sort()).toEqual(Object.keys(want).sort());
      for (const key of Object.keys(want)) expectFeature(features[key]!, want[key]!);
    });
  });

  it('reads records that are not Examples byte for byte', async () => {
    const records = await readTFRecordFile(join(DIR, 'raw.tfrecord'));
    const want = expected['raw.tfrecord']!.records!;
    expect(records.length).toBe(want.length);
    records.forEach((r, i) => expectBytes(r, want[i]!));
  });

  it('re-encodes a Python Example to the same bytes', () => {
    const bytes = new Uint8Array(Buffer.from(expected._serialized_first_labelled, 'base64'));
    const { features } = parseExample(bytes);
    expect(Buffer.from(encodeExample(features)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('finds the labelled records of the fixture shards', async () => {
    const records = await readTFRecordFile(join(DIR, 'labelled-00000-of-00002.tfrec'));
    const first = parseExample(records[0]!).features;
    expect(first.label!.int64List).toEqual(BigInt64Array.from([0n]));
    expect(first.id!.int64List).toEqual(BigInt64Array.from([0n]));
    expect(new TextDecoder().decode(first.name!.bytesList![0])).toBe('class 0 / example 0 / \u00e9t\u00e9');
  });
});

describe('encodeExample / parseExample', () => {
  it('round-trips random features exactly', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 50; trial++) {
      const features: Record<string, Feature> = {};
      const count = rng.int(6);
      for (let f = 0; f < count; f++) {
        const kind = rng.int(3);
        const n = rng.int(40);
        if (kind === 0)
          features[`b${f}`] = {
            bytesList: Array.from({ length: n % 5 }, () => Uint8Array.from({ length: rng.int(300) }, () => rng.int(256))),
          };
        else if (kind === 1) features[`f${f}`] = { floatList: Float32Array.from({ length: n }, () => rng.normal(0, 1e3)) };
        else
          features[`i${f}`] = {
            int64List: BigInt64Array.from({ length: n }, () =>
              BigInt.asIntN(64, (BigInt(rng.nextUint32()) << 32n) | BigInt(rng.nextUint32())),
            ),
          };
      }
      const decoded = parseExample(encodeExample(features)).features;
      expect(Object.keys(decoded)).toEqual(Object.keys(features));
      for (const key of Object.keys(features)) expect(decoded[key]).toEqual(features[key]);
    }
  });

  it('accepts plain arrays and strings', () => {
    const { features } = parseExample(
      encodeExample({
        label: { int64List: [7, -2n] },
        x: { floatList: [0.5, -1] },
        name: { bytesList: ['\u00e9', new Uint8Array([1, 2])] },
      }),
    );
    expect(Array.from(features.label!.int64List!)).toEqual([7n, -2n]);
    expect(Array.from(features.x!.floatList!)).toEqual([0.5, -1]);
    expect(new TextDecoder().decode(features.name!.bytesList![0])).toBe('\u00e9');
    expect(Array.from(features.name!.bytesList![1]!)).toEqual([1, 2]);
  });

  it('decodes the unpacked encoding of repeated numbers too', () => {
    // Feature{float_list{value: 1.5 (fixed32), value: -2 (fixed32)}} and
    // Feature{int64_list{value: 300 (varint), value: -1 (varint)}}, unpacked.
    const floats = [0x0d, 0x00, 0x00, 0xc0, 0x3f, 0x0d, 0x00, 0x00, 0x00, 0xc0];
    const ints = [0x08, 0xac, 0x02, 0x08, ...Array(9).fill(0xff), 0x01];
    const feature = (field: number, body: number[]) => [(field << 3) | 2, body.length, ...body];
    const entry = (key: string, feat: number[]) => {
      const k = [...Buffer.from(key)];
      const body = [0x0a, k.length, ...k, 0x12, feat.length, ...feat];
      return [0x0a, body.length, ...body];
    };
    const featuresBody = [...entry('f', feature(2, floats)), ...entry('i', feature(3, ints))];
    const bytes = new Uint8Array([0x0a, featuresBody.length, ...featuresBody]);
    const { features } = parseExample(bytes);
    expect(Array.from(features.f!.floatList!)).toEqual([1.5, -2]);
    expect(Array.from(features.i!.int64List!)).toEqual([300n, -1n]);
  });

  it('names what is malformed', () => {
    const good = encodeExample({ x: { floatList: [1, 2, 3] } });
    expect(() => parseExample(good.subarray(0, good.length - 2))).toThrow(FormatError);
    expect(() => parseExample(good.subarray(0, good.length - 2))).toThrow(/malformed tf\.train\.Example: .*runs past the end/);
    expect(() => parseExample(new Uint8Array([0x0a, 0x02, 0x0a, 0x80]))).toThrow(/malformed tf\.train\.Example/);
  });

  it('rejects values it cannot encode', () => {
    expect(() => encodeExample({ x: { int64List: [2 ** 60] } })).toThrow(ValueError);
    expect(() => encodeExample({ x: { int64List: [2n ** 63n] } })).toThrow(/out of int64 range/);
    expect(() => encodeExample({ x: { floatList: [1], int64List: [1] } as never })).toThrow(/more than one/);
  });
});
