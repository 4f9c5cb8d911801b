/**
 * Software references the device functions are checked against. Deliberately independent of refdev:
 * CRC-32C is computed bit by bit here (refdev uses a table), the rest comes from node:crypto and node:zlib.
 */
export function crc32c(data: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}
