/**
 * Table-driven CRC-32 over a reflected polynomial: 0xEDB88320 is the CRC-32 of PNG and zip,
 * 0x82F63B78 the CRC-32C (Castagnoli) of TensorBoard's record framing. Free of Node, so the
 * display code that may run in a browser can use it too.
 */

/** The 256-entry lookup table of a reflected polynomial. */
export function crcTable(polynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? polynomial ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** The CRC of bytes[start, end) with a table from crcTable (initial value and final xor all ones). */
export function crc(table: Uint32Array, bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
