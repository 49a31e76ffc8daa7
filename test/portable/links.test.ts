/** kernel/portable/links.ts: link filters and the budgeted selection of links. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ALL_LINKS, filterMask, selectLinks, type LinkFilter } from "../../kernel/portable/links";
import { attention } from "./synthetic";

test("filters: word/entity blocks and the sentence pair", () => {
  const a = attention(); // words 0-4 are A, 5-7 are B, 8 is an entity
  const f = (blocks: Partial<LinkFilter["blocks"]>, pair: LinkFilter["pair"] = "all"): LinkFilter => ({ blocks: { ...ALL_LINKS.blocks, ...blocks }, pair });
  const all = filterMask(a, ALL_LINKS);
  assert.ok(all.allowed(0, 8) && all.allowed(8, 0) && all.allowed(8, 8) && all.allowed(1, 6));
  const we = filterMask(a, f({ ww: false, ew: false, ee: false }));
  assert.ok(we.allowed(3, 8) && !we.allowed(3, 4) && !we.allowed(8, 3) && !we.allowed(8, 8));
  assert.deepEqual(we.query, [true, true, true, true, true, true, true, true, false]);
  assert.deepEqual(we.key, [false, false, false, false, false, false, false, false, true]);
  const ab = filterMask(a, f({}, "AB"));
  assert.ok(ab.allowed(1, 6) && !ab.allowed(6, 1) && !ab.allowed(1, 2) && ab.allowed(1, 8));
  const ba = filterMask(a, f({ we: false, ew: false, ee: false }, "BA"));
  assert.deepEqual(ba.query.map(Number), [0, 0, 0, 0, 0, 1, 1, 1, 0]);
  assert.deepEqual(ba.key.map(Number), [1, 1, 1, 1, 1, 0, 0, 0, 0]);
  // Without a boundary the pair filter does nothing.
  const single = filterMask(attention({ boundary: null }), f({}, "AB"));
  assert.ok(single.allowed(1, 2));
});

test("link selection: floor, filter, focus, and the strongest links within the budget", () => {
  const a = attention({ layers: 1, heads: 4 });
  const heads = [true, true, true, true];
  const everything = selectLinks(a, 0, heads, ALL_LINKS, { floor: 0 });
  assert.equal(everything.count, 4 * 81);
  assert.equal(everything.visible, 4 * 81);
  const budget = selectLinks(a, 0, heads, ALL_LINKS, { floor: 0, budget: 50 });
  assert.equal(budget.count, 50);
  const all = [...everything.weight].sort((x, y) => y - x);
  // Exactly the 50 strongest (ties cut inside one histogram bin at most).
  assert.ok(Math.abs(budget.threshold - all[49]) < 1 / 4096 + 1e-6, `${budget.threshold} vs ${all[49]}`);
  for (const w of budget.weight) assert.ok(w >= all[49] - 1 / 4096);
  const floor = selectLinks(a, 0, heads, ALL_LINKS, { floor: 0.2 });
  assert.ok([...floor.weight].every((w) => w >= 0.2));
  assert.equal(floor.count, all.filter((w) => w >= 0.2).length);
  const oneHead = selectLinks(a, 0, [false, false, true, false], ALL_LINKS, { floor: 0 });
  assert.ok([...oneHead.head].every((h) => h === 2));
  const focus = selectLinks(a, 0, heads, ALL_LINKS, { floor: 0, query: 3 });
  assert.equal(focus.count, 4 * 9);
  assert.ok([...focus.query].every((q) => q === 3));
  const keyFocus = selectLinks(a, 0, heads, ALL_LINKS, { floor: 0, key: 8 });
  assert.ok([...keyFocus.key].every((k) => k === 8) && keyFocus.count === 36);
  const filtered = selectLinks(a, 0, heads, { blocks: { ww: false, we: true, ew: false, ee: false }, pair: "all" }, { floor: 0 });
  assert.ok([...filtered.key].every((k) => k === 8) && [...filtered.query].every((q) => q < 8));
});
