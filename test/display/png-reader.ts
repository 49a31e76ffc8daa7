/** Reading back the PNGs the kernel writes (kernel/display/png.ts), with node:zlib. */
import assert from "node:assert/strict";
import { crc32, inflateSync } from "node:zlib";

/** Reads our own PNGs back: checks chunk CRCs, returns size and RGB pixels (Sub filter only). */
export function readPng(bytes: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 8, width = 0, height = 0;
  const idat: Uint8Array[] = [];
  while (o < bytes.length) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...bytes.subarray(o + 4, o + 8));
    assert.equal(view.getUint32(o + 8 + len), crc32(bytes.subarray(o + 4, o + 8 + len)) >>> 0, `${type} CRC (node:zlib)`);
    if (type === "IHDR") {
      width = view.getUint32(o + 8);
      height = view.getUint32(o + 12);
      assert.deepEqual([...bytes.subarray(o + 16, o + 21)], [8, 2, 0, 0, 0]);
    }
    if (type === "IDAT") idat.push(bytes.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 3 + 1;
  assert.equal(raw.length, stride * height);
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * stride], 1);
    for (let x = 0; x < width * 3; x++) rgb[y * width * 3 + x] = (raw[y * stride + 1 + x] + (x >= 3 ? rgb[y * width * 3 + x - 3] : 0)) & 255;
  }
  return { width, height, rgb };
}
