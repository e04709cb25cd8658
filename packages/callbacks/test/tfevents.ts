/**
 * A reader of TensorBoard event files written for the tests: TFRecord framing
 * (length, masked CRC-32C of the length, data, masked CRC-32C of the data)
 * around `tensorflow.Event` protos, of which it decodes the scalar summaries.
 */
import { readFileSync } from 'node:fs';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function maskedCrc(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** The records of a TFRecord file, each CRC checked. */
export function readRecords(file: string): Uint8Array[] {
  const buf = readFileSync(file);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: Uint8Array[] = [];
  let at = 0;
  while (at < buf.length) {
    const length = Number(view.getBigUint64(at, true));
    if (view.getUint32(at + 8, true) !== maskedCrc(buf.subarray(at, at + 8))) throw new Error(`bad length CRC at byte ${at}`);
    const data = buf.subarray(at + 12, at + 12 + length);
    if (view.getUint32(at + 12 + length, true) !== maskedCrc(data)) throw new Error(`bad data CRC at byte ${at}`);
    records.push(new Uint8Array(data));
    at += 12 + length + 4;
  }
  return records;
}

interface Field {
  number: number;
  wire: number;
  varint?: bigint;
  bytes?: Uint8Array;
}

function readVarint(buf: Uint8Array, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[at++]!;
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [value, at];
    shift += 7n;
  }
}

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const [key, next] = readVarint(buf, at);
    at = next;
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, n] = readVarint(buf, at);
      out.push({ number, wire, varint: v });
      at = n;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      out.push({ number, wire, bytes: buf.subarray(at, at + size) });
      at += size;
    } else if (wire === 2) {
      const [len, n] = readVarint(buf, at);
      out.push({ number, wire, bytes: buf.subarray(n, n + Number(len)) });
      at = n + Number(len);
    } else {
      throw new Error(`unexpected wire type ${wire}`);
    }
  }
  return out;
}

export interface ScalarEvent {
  step: number;
  tag: string;
  value: number;
}

/** Scalar summaries (Event.summary.value with a simple_value) of an event file, in order. */
export function readScalars(file: string): ScalarEvent[] {
  const scalars: ScalarEvent[] = [];
  for (const record of readRecords(file)) {
    const event = fields(record);
    const step = Number(event.find((f) => f.number === 2)?.varint ?? 0n); // Event.step
    for (const summary of event.filter((f) => f.number === 5)) {
      // Event.summary -> Summary.value (1) -> Value.tag (1), Value.simple_value (2)
      for (const value of fields(summary.bytes!).filter((f) => f.number === 1)) {
        const vf = fields(value.bytes!);
        const tag = new TextDecoder().decode(vf.find((f) => f.number === 1)!.bytes);
        const simple = vf.find((f) => f.number === 2 && f.wire === 5);
        if (!simple) continue;
        const b = simple.bytes!;
        scalars.push({ step, tag, value: new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true) });
      }
    }
  }
  return scalars;
}
