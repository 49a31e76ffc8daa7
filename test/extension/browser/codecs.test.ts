/**
 * kernel/portable/codecs.ts's base64 decoder in Chromium, where it takes the platform's
 * Uint8Array.fromBase64 for long texts (Node 20 has none, so the Node tests take atob): the same bytes
 * as Node's Buffer, and the same strictness as the short texts' own loop — spaces, stray characters,
 * padding in the middle and bad padding refused, not skipped.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../../helpers";
import { CHROMIUM, launchChromium } from "./lab";

test("base64 in Chromium: Uint8Array.fromBase64 for long texts, as strict as the short texts' decoder", async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/setup.sh`);
  // The built module (CommonJS, no imports), run in the page with an exports object of its own.
  const source = readFileSync(join(ROOT, "lib", "kernel", "portable", "codecs.js"), "utf8");
  const bytes = Buffer.from(Uint8Array.from({ length: 30_001 }, (_, i) => (i * 37 + 11) & 255));
  const long = bytes.toString("base64");
  const bad = [
    long.slice(0, 100) + " " + long.slice(101),
    long.slice(0, 100) + "\n" + long.slice(101),
    // Four spaces more: whole groups of four characters still, which fromBase64 alone would take.
    long.slice(0, 100) + "    " + long.slice(100),
    long.slice(0, 76) + "\r\n\r\n" + long.slice(76),
    long.slice(0, 5000) + "$" + long.slice(5001),
    long.slice(0, 5000) + "-" + long.slice(5001),
    long.slice(0, 4) + "=" + long.slice(5),
    long.slice(0, -4) + "a===",
    long.slice(0, -4) + "\n===",
    long.slice(0, -2) + "B=", // stray bits in the last character
  ];
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const got = await page.evaluate(
      ({ source, long, bad }) => {
        const exports: Record<string, any> = {};
        new Function("exports", source)(exports);
        const decode = exports.base64Decode as (s: string) => Uint8Array | null;
        const good = decode(long);
        return {
          platform: typeof (Uint8Array as any).fromBase64,
          good: good && Array.from(good),
          bad: bad.map((s) => decode(s) === null),
          lengths: bad.map((s) => s.length % 4),
        };
      },
      { source, long, bad },
    );
    assert.equal(got.platform, "function", "this Chromium has Uint8Array.fromBase64 (else the test would take atob)");
    assert.deepEqual(got.good, Array.from(bytes));
    assert.deepEqual(got.lengths, bad.map(() => 0), "every bad text has a base64 length");
    assert.deepEqual(got.bad, bad.map(() => true), "every bad text refused");
  } finally {
    await browser.close();
  }
});
