import * as CRC32C from 'crc-32/crc32c';

/** CRC-32C (Castagnoli) of `data`, as an unsigned 32-bit integer. */
export function crc32c(data: Uint8Array): number {
  return CRC32C.buf(data) >>> 0;
}

/**
 * The masked CRC-32C that TFRecord files store. TensorFlow rotates and offsets
 * the CRC so that a CRC of data that itself contains CRCs stays well spread.
 */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
