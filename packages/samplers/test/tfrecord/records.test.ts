import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { tempDir } from '@tfsim/test-utils';
import { FormatError, Rng } from '@tfsim/utils';

import { crc32c, maskedCrc32c, readTFRecordFile, readTFRecords, TFRecordWriter, writeTFRecordFile } from '../../src';

const FIXTURES = join(__dirname, '..', 'fixtures', 'tfrecord');
const dir = tempDir('tfsim-records-');

/** Byte offset of record `index` in an uncompressed TFRecord file. */
function recordOffset(bytes: Buffer, index: number): number {
  let at = 0;
  for (let i = 0; i < index; i++) at += 16 + Number(bytes.readBigUInt64LE(at));
  return at;
}

describe('CRC-32C', () => {
  it('gives the standard check value and TensorFlow masking', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    // mask(crc) = rotr(crc, 15) + 0xa282ead8; crc of no bytes is 0.
    expect(maskedCrc32c(new Uint8Array(0))).toBe(0xa282ead8);
  });
});

describe('TFRecord files', () => {
  it('writes files identical to Python TensorFlow', async () => {
    const original = join(FIXTURES, 'raw.tfrecord');
    const records = await readTFRecordFile(original);
    const copy = join(dir, 'raw-copy.tfrecord');
    await writeTFRecordFile(copy, records);
    expect(readFileSync(copy).equals(readFileSync(original))).toBe(true);
  });

  it.each([null, 'GZIP', 'ZLIB'] as const)('round-trips records with compression %s', async (compression) => {
    const rng = new Rng(11);
    // Empty, small, and one larger than the 1 MiB read chunk.
    const records = [new Uint8Array(0), ...Array.from({ length: 30 }, (_, i) => Uint8Array.from({ length: i * 37 }, () => rng.int(256)))];
    records.push(Uint8Array.from({ length: 3 * (1 << 20) + 5 }, (_, i) => (i * 7) & 0xff));
    const file = join(dir, `round-${compression}.tfrec`);
    const writer = new TFRecordWriter(file, { compression });
    for (const r of records) await writer.write(r);
    await writer.close();
    const back = await readTFRecordFile(file, { compression, chunkSize: 4096 });
    expect(back.length).toBe(records.length);
    back.forEach((r, i) => expect(Buffer.from(r).equals(Buffer.from(records[i]!))).toBe(true));
  });

  it('stops reading when the consumer stops', async () => {
    const seen: number[] = [];
    for await (const record of readTFRecords(join(FIXTURES, 'raw.tfrecord'))) {
      seen.push(record.length);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([0, 5]);
  });

  it('names the file and record of a corrupted data CRC', async () => {
    const file = join(dir, 'bad-data.tfrec');
    const bytes = readFileSync(join(FIXTURES, 'labelled-00000-of-00002.tfrec'));
    const at = recordOffset(bytes, 2) + 12 + 5;
    bytes[at] = bytes[at]! ^ 0x01;
    writeFileSync(file, bytes);
    const read = readTFRecordFile(file);
    await expect(read).rejects.toThrow(FormatError);
    await expect(readTFRecordFile(file)).rejects.toThrow(`${file}: record 2: data checksum mismatch`);
    // Without checks the flipped byte comes through.
    const records = await readTFRecordFile(file, { verifyChecksums: false });
    expect(records.length).toBe(13);
  });

  it('names the file and record of a corrupted length CRC', async () => {
    const file = join(dir, 'bad-length.tfrec');
    const bytes = readFileSync(join(FIXTURES, 'labelled-00000-of-00002.tfrec'));
    bytes[recordOffset(bytes, 1) + 9] ^= 0x40;
    writeFileSync(file, bytes);
    await expect(readTFRecordFile(file)).rejects.toThrow(`${file}: record 1: length checksum mismatch`);
  });

  it('reports a truncated file', async () => {
    const file = join(dir, 'truncated.tfrec');
    const bytes = readFileSync(join(FIXTURES, 'labelled-00000-of-00002.tfrec'));
    writeFileSync(file, bytes.subarray(0, recordOffset(bytes, 4) + 20));
    await expect(readTFRecordFile(file)).rejects.toThrow(`${file}: record 4 is truncated`);
    writeFileSync(file, bytes.subarray(0, recordOffset(bytes, 3) + 7));
    await expect(readTFRecordFile(file)).rejects.toThrow(`${file}: record 3 is truncated: 7 byte(s) of a 12-byte header`);
  });

  it('reports a compressed file read as plain, and a missing file', async () => {
    await expect(readTFRecordFile(join(FIXTURES, 'edges-gzip.tfrec.gz'))).rejects.toThrow(/record 0: length checksum mismatch/);
    await expect(readTFRecordFile(join(FIXTURES, 'edges.tfrec'), { compression: 'GZIP' })).rejects.toThrow(
      /cannot read record 0 \(compression GZIP\)/,
    );
    await expect(readTFRecordFile(join(dir, 'missing.tfrec'))).rejects.toThrow(/missing\.tfrec: no such file/);
    await expect(readTFRecords('x', { compression: 'LZ4' as never }).next()).rejects.toThrow(/compression must be/);
  });

  it('copies a shard untouched through reader and writer', async () => {
    const copy = join(dir, 'labelled-copy.tfrec');
    const src = join(FIXTURES, 'labelled-00001-of-00002.tfrec');
    await writeTFRecordFile(copy, await readTFRecordFile(src));
    expect(readFileSync(copy).equals(readFileSync(src))).toBe(true);
  });
});
