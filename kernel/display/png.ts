/**
 * A minimal PNG writer (8-bit RGB, no interlace). The compressor is passed in (Node's zlib.deflateSync
 * in the kernel), so the module itself stays free of Node. Written out because the few hundred bytes of
 * format do not warrant a dependency.
 */
import { crc, crcTable } from "../io/crc";
import type { Pixels } from "../portable/raster";

const CRC32 = crcTable(0xedb88320);

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc(CRC32, bytes, start, end);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** PNG bytes of the pixels (alpha dropped). Rows use the "Sub" filter, which suits flat fills and lines. */
export function encodePng(px: Pixels, deflate: (raw: Uint8Array) => Uint8Array): Uint8Array {
  const { width, height, rgba } = px;
  const stride = width * 3 + 1;
  const raw = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 1;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const v = rgba[(y * width + x) * 4 + c];
        const left = x > 0 ? rgba[(y * width + x - 1) * 4 + c] : 0;
        raw[y * stride + 1 + x * 3 + c] = (v - left) & 0xff;
      }
    }
  }
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8);
  const parts = [Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10), chunk("IHDR", header), chunk("IDAT", deflate(raw)), chunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
