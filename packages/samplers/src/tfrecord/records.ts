/**
 * TFRecord files: the record framing TensorFlow writes (tf.io.TFRecordWriter)
 * and reads (tf.data.TFRecordDataset). Each record is
 *
 *   uint64 length (little-endian) | uint32 masked CRC-32C of the length |
 *   length bytes of data          | uint32 masked CRC-32C of the data
 *
 * optionally inside one GZIP or ZLIB stream for the whole file.
 */
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

import { FormatError, ValueError } from '@tfsim/utils';

import { maskedCrc32c } from './crc32c';

/** Python's `compression_type`: none (`null`, `''`), `'GZIP'` or `'ZLIB'`. */
export type Compression = 'GZIP' | 'ZLIB' | '' | null | undefined;

export interface ReadRecordsOptions {
  compression?: Compression;
  /** Check both CRCs of every record. Default true. */
  verifyChecksums?: boolean;
  /** Read-ahead chunk size in bytes. Default 1 MiB. */
  chunkSize?: number;
}

function normaliseCompression(compression: Compression): 'GZIP' | 'ZLIB' | null {
  if (compression == null || compression === '') return null;
  const upper = String(compression).toUpperCase();
  if (upper === 'GZIP' || upper === 'ZLIB') return upper;
  throw new ValueError(`compression must be null, "GZIP" or "ZLIB", got "${String(compression)}"`);
}

/** Records above 2 GiB cannot be held in one Buffer. */
const MAX_RECORD_BYTES = 2 ** 31 - 1;

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function openSource(path: string, compression: 'GZIP' | 'ZLIB' | null, chunkSize: number): AsyncIterable<Buffer> {
  const file = fs.createReadStream(path, { highWaterMark: chunkSize });
  if (!compression) return file;
  const inflate = compression === 'GZIP' ? zlib.createGunzip({ chunkSize }) : zlib.createInflate({ chunkSize });
  file.on('error', (err) => inflate.destroy(err));
  return file.pipe(inflate);
}

/**
 * The records of one TFRecord file, in order, streamed (a file may be far
 * larger than memory). A checksum mismatch or a truncated record is a
 * FormatError that names the file and the record's index.
 */
export async function* readTFRecords(path: string, options: ReadRecordsOptions = {}): AsyncGenerator<Uint8Array> {
  const compression = normaliseCompression(options.compression);
  const verify = options.verifyChecksums ?? true;
  const source = openSource(path, compression, options.chunkSize ?? 1 << 20);
  const it = source[Symbol.asyncIterator]();
  let buf: Buffer = Buffer.alloc(0);
  let pos = 0;
  let index = 0;

  const next = async (): Promise<IteratorResult<Buffer>> => {
    try {
      return await it.next();
    } catch (err) {
      const message = (err as Error).message;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FormatError(`${path}: no such file`, { cause: err });
      const how = compression ? ` (compression ${compression})` : '';
      throw new FormatError(`${path}: cannot read record ${index}${how}: ${message}`, { cause: err });
    }
  };
  /** Makes `n` bytes available from `pos`; false at the end of the file. */
  const fill = async (n: number): Promise<boolean> => {
    if (buf.length - pos >= n) return true;
    const parts = [buf.subarray(pos)];
    let have = buf.length - pos;
    let ended = false;
    while (have < n) {
      const r = await next();
      if (r.done) {
        ended = true;
        break;
      }
      parts.push(r.value);
      have += r.value.length;
    }
    buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
    pos = 0;
    return !ended || have >= n;
  };

  try {
    for (;;) {
      if (!(await fill(12))) {
        const left = buf.length - pos;
        if (left === 0) return;
        throw new FormatError(`${path}: record ${index} is truncated: ${left} byte(s) of a 12-byte header before the end of the file`);
      }
      const length = buf.readBigUInt64LE(pos);
      if (verify) {
        const stored = buf.readUInt32LE(pos + 8);
        const computed = maskedCrc32c(buf.subarray(pos, pos + 8));
        if (stored !== computed) {
          throw new FormatError(
            `${path}: record ${index}: length checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)}); the file is corrupt or not a TFRecord file`,
          );
        }
      }
      if (length > BigInt(MAX_RECORD_BYTES)) {
        throw new FormatError(`${path}: record ${index} claims ${length} bytes, more than can be read`);
      }
      const n = Number(length);
      pos += 12;
      if (!(await fill(n + 4))) {
        throw new FormatError(
          `${path}: record ${index} is truncated: ${n} bytes of data and a 4-byte checksum expected, ${buf.length - pos} left in the file`,
        );
      }
      const data = new Uint8Array(n);
      data.set(buf.subarray(pos, pos + n));
      if (verify) {
        const stored = buf.readUInt32LE(pos + n);
        const computed = maskedCrc32c(data);
        if (stored !== computed) {
          throw new FormatError(
            `${path}: record ${index}: data checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)}); the record is corrupt`,
          );
        }
      }
      pos += n + 4;
      index++;
      yield data;
    }
  } finally {
    // Stop reading when the consumer stops early.
    await it.return?.();
  }
}

/** Every record of a (small) TFRecord file. */
export async function readTFRecordFile(path: string, options: ReadRecordsOptions = {}): Promise<Uint8Array[]> {
  const records: Uint8Array[] = [];
  for await (const record of readTFRecords(path, options)) records.push(record);
  return records;
}

/** The 12-byte header and 4-byte footer framing one record. */
function frame(data: Uint8Array): { header: Buffer; footer: Buffer } {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(data.length), 0);
  header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskedCrc32c(data), 0);
  return { header, footer };
}

/**
 * Writes records to a TFRecord file that TensorFlow reads, as Python's
 * `tf.io.TFRecordWriter`. `write` waits when the disk falls behind; `close`
 * must be awaited before the file is complete.
 */
export class TFRecordWriter {
  private readonly out: NodeJS.WritableStream;
  private readonly file: fs.WriteStream;
  private closed = false;
  private error: Error | undefined;

  constructor(
    readonly path: string,
    options: { compression?: Compression } = {},
  ) {
    const compression = normaliseCompression(options.compression);
    this.file = fs.createWriteStream(path);
    this.file.on('error', (err) => (this.error = err));
    if (compression) {
      const deflate = compression === 'GZIP' ? zlib.createGzip() : zlib.createDeflate();
      deflate.on('error', (err) => (this.error = err));
      deflate.pipe(this.file);
      this.out = deflate;
    } else {
      this.out = this.file;
    }
  }

  /** Appends one record. */
  async write(record: Uint8Array): Promise<void> {
    if (this.closed) throw new ValueError(`${this.path}: write after close`);
    if (this.error) throw this.error;
    const { header, footer } = frame(record);
    this.out.write(header);
    this.out.write(record);
    if (!this.out.write(footer)) await once(this.out, 'drain');
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const finished = once(this.file, 'close');
    this.out.end();
    await finished;
    if (this.error) throw this.error;
  }
}

/** Writes `records` to a TFRecord file. */
export async function writeTFRecordFile(
  path: string,
  records: Iterable<Uint8Array>,
  options: { compression?: Compression } = {},
): Promise<void> {
  const writer = new TFRecordWriter(path, options);
  try {
    for (const record of records) await writer.write(record);
  } finally {
    await writer.close();
  }
}
