/**
 * kernel/portable/codecs.ts: base64 against Node's Buffer, and half floats against NumPy
 * (float16_reference.py): all 65536 half floats widened, and float32 values rounded to half, bit for bit.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { base64Decode, base64Encode, fromHalf, halfToFloatBits, halvesToFloats, toHalf } from "../../kernel/portable/codecs";
import { ROOT, runPython } from "../helpers";

test("base64 and binary16 helpers agree with Node's Buffer and known values", () => {
  for (const len of [0, 1, 2, 3, 4, 5, 100, 30_000, 30_001, 30_002]) {
    const b = Uint8Array.from({ length: len }, (_, i) => (i * 37 + 11) & 255);
    const s = base64Encode(b);
    assert.equal(s, Buffer.from(b).toString("base64"));
    assert.deepEqual(base64Decode(s), b);
  }
  assert.equal(base64Decode("ab$="), null);
  assert.equal(base64Decode("abc"), null);
  // Long texts (the platform's decoder): the same strictness as the short ones.
  const long = Buffer.from(Uint8Array.from({ length: 9000 }, (_, i) => i & 255)).toString("base64");
  for (const bad of [long.slice(0, 100) + " " + long.slice(101), long.slice(0, 5000) + "$" + long.slice(5001), long.slice(0, 4) + "=" + long.slice(5), long.slice(0, -4) + "a===", long.slice(0, -4) + "\n===", long.slice(0, 100) + "    " + long.slice(100)]) {
    assert.equal(bad.length % 4, 0);
    assert.equal(base64Decode(bad), null, JSON.stringify(bad.slice(-8)));
  }
  assert.equal(toHalf(1), 0x3c00);
  assert.equal(toHalf(0.5), 0x3800);
  assert.equal(toHalf(65504), 0x7bff);
  assert.equal(toHalf(1e6), 0x7c00);
  assert.equal(fromHalf(0x3555), 0.333251953125);
  assert.ok(Number.isNaN(fromHalf(toHalf(NaN))));
  assert.equal(fromHalf(toHalf(2 ** -24)), 2 ** -24);
  for (let i = 0; i < 2000; i++) {
    const x = i / 2000;
    assert.ok(Math.abs(fromHalf(toHalf(x)) - x) <= x * 2 ** -11 + 2 ** -25);
  }
});

test("half floats: every one widens as NumPy's astype(float32) does, and float32 values round to half as NumPy's astype(float16)", () => {
  // Float32 bit patterns: ±0, subnormals, the half range's edges, halfway cases for round-to-even, overflow, ∞, NaN, and a seeded spread.
  const floats: number[] = [0, 0x80000000, 1, 0x00800000, 0x33000000, 0x33000001, 0x337fffff, 0x38800000, 0x387fe000, 0x3f800000, 0x3f801000, 0x3f803000, 0x3f801001, 0x477fe000, 0x477ff000, 0x477fefff, 0x47800000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001];
  let s = 12345;
  for (let i = 0; i < 20_000; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    floats.push(s);
  }
  const ref = runPython<{ widened: number[]; narrowed: number[] }>(join(ROOT, "test", "portable", "float16_reference.py"), [], { floats });
  for (let h = 0; h < 65536; h++) assert.equal(halfToFloatBits(h), ref.widened[h], `half 0x${h.toString(16)}`);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  floats.forEach((bits, i) => {
    u32[0] = bits;
    const want = ref.narrowed[i];
    const got = toHalf(f32[0]);
    // NaN: any quiet NaN will do (NumPy keeps payload bits, toHalf a canonical NaN).
    if ((want & 0x7c00) === 0x7c00 && want & 0x3ff) assert.ok((got & 0x7c00) === 0x7c00 && got & 0x3ff, `NaN 0x${bits.toString(16)}`);
    else assert.equal(got, want, `float32 0x${bits.toString(16)} (${f32[0]})`);
  });
  // The table decoder agrees with fromHalf on every half float.
  const bytes = new Uint8Array(2 * 65536);
  for (let h = 0; h < 65536; h++) [bytes[2 * h], bytes[2 * h + 1]] = [h & 255, h >> 8];
  const all = halvesToFloats(bytes);
  for (let h = 0; h < 65536; h++) assert.ok(Object.is(all[h], Math.fround(fromHalf(h))) || (Number.isNaN(all[h]) && Number.isNaN(fromHalf(h))), `half 0x${h.toString(16)}`);
});
