/**
 * kernel/io/atomic.ts's beforeRename: it sees the finished file's size and time, which the file keeps
 * once renamed into place; if it throws, the previous file stays and no temporary file is left.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { writeFileAtomic } from "../../kernel/io/atomic";

const dir = mkdtempSync(join(tmpdir(), "lukelab-atomic-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("beforeRename sees the size and time the renamed file has; a throw keeps the old file", () => {
  const file = join(dir, "a.json");
  let seen: { size: number; mtimeMs: number } | undefined;
  writeFileAtomic(file, "héllo\n", (written) => {
    seen = { size: written.size, mtimeMs: written.mtimeMs };
    assert.throws(() => statSync(file), /ENOENT/, "not in place yet");
  });
  const stat = statSync(file);
  assert.deepEqual(seen, { size: Buffer.byteLength("héllo\n"), mtimeMs: stat.mtimeMs });
  assert.equal(stat.size, seen!.size);

  writeFileSync(file, "old");
  assert.throws(
    () => writeFileAtomic(file, "new", () => {
      throw new Error("no summary");
    }),
    /a\.json: could not be written \(no summary\); the previous file, if any, is unchanged/,
  );
  assert.equal(readFileSync(file, "utf8"), "old");
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});
