/**
 * The attention extension in a real JupyterLab (from .venv) in Debian's Chromium: a notebook on the
 * tslab kernel displays the attention of a real LUKE forward pass (samples/tiny-luke), the views are
 * switched, hovered, clicked and driven from the keyboard, PNG and SVG are exported, malformed payloads
 * show error boxes without console errors or injected markup, and the saved notebook shows the stored
 * image once the extension is disabled. The views decode and paint in the extension's worker
 * (`data-renderer="worker"`), and on the main thread in a page without Worker. Screenshots go to
 * test/.work/artifacts.
 *
 * Runs once (not per TF.js backend): scripts/run-tests.mjs lists "extension" among its run-once folders.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { attentionNotebook, fullLengthNotebook } from "./notebook";
import { ARTIFACTS, Lab, recordErrors, startLabAndChromium, stopLabAndChromium, type Browser, type Page } from "./lab";

const MIME = "application/vnd.lukelab.attention+json";
const NOTEBOOK = "attention-test.ipynb";
const FULL_LENGTH = "attention-512.ipynb";

let lab: Lab;
let browser: Browser;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ lab, browser } = await startLabAndChromium());
  writeFileSync(join(lab.root, NOTEBOOK), JSON.stringify(attentionNotebook(), null, 1));
  writeFileSync(join(lab.root, FULL_LENGTH), JSON.stringify(fullLengthNotebook(), null, 1));
});

after(() => stopLabAndChromium(lab, browser));

/** Opens a notebook; `workspace` names a JupyterLab workspace of its own (no other test's tabs restored). */
async function openNotebook(page: Page, name = NOTEBOOK, workspace?: string): Promise<void> {
  await page.goto(lab.url(workspace ? `/lab/workspaces/${workspace}/tree/${name}` : `/lab/tree/${name}`));
  await page.waitForFunction(() => (globalThis as any).jupyterapp?.shell?.currentWidget?.content?.widgets?.length > 0, null, { timeout: 90_000 });
}

/** Waits until the notebook's tslab kernel is up and idle (running cells before that asks for a kernel). */
async function kernelReady(page: Page): Promise<void> {
  await page.evaluate(() => (globalThis as any).jupyterapp.shell.currentWidget.sessionContext.ready);
  await page.waitForFunction(() => (globalThis as any).jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status === "idle", null, { timeout: 60_000 });
}

async function shot(page: Page, name: string, selector?: string): Promise<void> {
  const path = join(ARTIFACTS, `${name}.png`);
  if (selector) await page.locator(selector).first().screenshot({ path });
  else await page.screenshot({ path });
}

test("attention views in JupyterLab: LUKE forward pass, views, hover, click, keyboard, export, errors, stored image", { timeout: 240_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = recordErrors(page);
  await openNotebook(page);
  await kernelReady(page);
  await page.evaluate(() => void (globalThis as any).jupyterapp.commands.execute("notebook:run-all-cells"));

  // 3 views render (LUKE, plain arrays, markup tokens) and 7 error boxes.
  const views = page.locator(`.lukelab-attention[data-state="ready"]`);
  const failures = page.locator(`.lukelab-attention[data-state="error"]`);
  await views.nth(3).waitFor({ timeout: 120_000 });
  await failures.nth(6).waitFor({ timeout: 30_000 });
  assert.equal(await views.count(), 4);
  assert.equal(await failures.count(), 7);

  const luke = views.nth(0);
  await luke.scrollIntoViewIfNeeded();
  assert.match((await luke.locator(".lukelab-attention-title").textContent()) ?? "", /tiny-luke/);
  const renderMs = Number(await luke.getAttribute("data-render-ms"));
  assert.ok(renderMs > 0, `the widget records its first render's time (${renderMs} ms; bench:attention measures it)`);
  // Decoded and painted in the extension's worker, as bundled by JupyterLab's builder.
  assert.equal(await luke.getAttribute("data-renderer"), "worker");
  // tiny-luke: 2 layers, 4 heads; entity filters exist because there is an entity.
  assert.equal(await luke.locator(".lukelab-attention-head").count(), 4);
  assert.equal(await luke.locator("input[data-block]").count(), 4);
  await shot(page, "01-head-view", `.lukelab-attention[data-state="ready"] >> nth=0`);

  // Hover a query token: its links are isolated and the status names its strongest key.
  const canvas = luke.locator(`canvas[data-role="head-view"]`);
  const layout = JSON.parse((await canvas.getAttribute("data-layout"))!);
  const box = (await canvas.boundingBox())!;
  const rowY = (i: number) => box.y + layout.top + (i + 0.5) * layout.rowHeight;
  await page.mouse.move(box.x + layout.leftText - 10, rowY(2));
  await assertStatus(luke, /attends most to/);
  const hoverMs = Number(await canvas.getAttribute("data-hover-ms"));
  assert.ok(Number.isFinite(hoverMs) && hoverMs >= 0, `the widget records its hover time (${hoverMs} ms)`);
  await shot(page, "02-head-view-hover", `.lukelab-attention[data-state="ready"] >> nth=0`);
  // The entity token (last row) on the key side.
  await page.mouse.move(box.x + layout.rightText + 10, rowY(layout.tokens - 1));
  await assertStatus(luke, /entity “\[MASK\] \(Beyoncé\)” is attended most by/);
  await page.mouse.move(box.x + box.width + 200, box.y - 40);

  // Heads: click toggles, the last active head stays, double-click solos, again restores.
  const head = (h: number) => luke.locator(`.lukelab-attention-head[data-head="${h}"]`);
  await head(1).click();
  assert.equal(await head(1).getAttribute("aria-pressed"), "false");
  await head(2).dblclick();
  assert.deepEqual(await pressed(luke), ["false", "false", "true", "false"]);
  await shot(page, "03-head-view-solo", `.lukelab-attention[data-state="ready"] >> nth=0`);
  await head(2).dblclick();
  assert.deepEqual(await pressed(luke), ["true", "true", "true", "true"]);

  // Layer selector and the word/entity filters.
  await luke.locator(`select[aria-label="Layer"]`).selectOption("1");
  await luke.locator(`input[data-block="ww"]`).uncheck();
  await shot(page, "04-head-view-layer1-no-word-word", `.lukelab-attention[data-state="ready"] >> nth=0`);
  await luke.locator(`input[data-block="ww"]`).check();

  // Keyboard: focus the canvas, arrows move the focused token, Escape clears.
  await canvas.focus();
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await assertStatus(luke, /“<ent>” attends most to/);
  await page.keyboard.press("Escape");
  await assertStatus(luke, /^$/);

  // Model view: click a thumbnail to open that head.
  await luke.locator(`.lukelab-attention-tab[data-view="model"]`).click();
  const grid = luke.locator(`canvas[data-role="model-view"]`);
  await grid.waitFor();
  const gbox = (await grid.boundingBox())!;
  // Grid layout: 34 px of row labels, 18 px of column labels, then cells of (cell + 4) px.
  const cell = (gbox.width - 34 - 4) / 4 - 4;
  await page.mouse.click(gbox.x + 34 + 1 * (cell + 4) + cell / 2, gbox.y + 18 + 1 * (cell + 4) + cell / 2);
  assert.equal(await luke.locator(".lukelab-attention-detail-title").textContent(), "Layer 1, head 1");
  await shot(page, "05-model-view-detail", `.lukelab-attention[data-state="ready"] >> nth=0`);
  await grid.focus();
  await page.keyboard.press("ArrowRight");
  assert.equal(await luke.locator(".lukelab-attention-detail-title").textContent(), "Layer 1, head 2");

  // Token to token: pick from the lists and by clicking tokens.
  await luke.locator(`.lukelab-attention-tab[data-view="token"]`).click();
  await luke.locator(`select[data-role="token1"]`).selectOption("2");
  await luke.locator(`.lukelab-attention-token[data-token="26"]`).click();
  await luke.locator(`.lukelab-attention-token[data-token="3"]`).click();
  assert.equal(await luke.locator(`select[data-role="token1"]`).inputValue(), "26");
  assert.equal(await luke.locator(`select[data-role="token2"]`).inputValue(), "3");
  await shot(page, "06-token-to-token", `.lukelab-attention[data-state="ready"] >> nth=0`);

  // Export the current view.
  const [png] = await Promise.all([page.waitForEvent("download"), luke.locator(`button[data-export="png"]`).click()]);
  const pngPath = join(ARTIFACTS, "export-token-view.png");
  await png.saveAs(pngPath);
  const bytes = readFileSync(pngPath);
  assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  assert.ok(bytes.length > 2000);
  await luke.locator(`.lukelab-attention-tab[data-view="head"]`).click();
  const [svg] = await Promise.all([page.waitForEvent("download"), luke.locator(`button[data-export="svg"]`).click()]);
  const svgPath = join(ARTIFACTS, "export-head-view.svg");
  await svg.saveAs(svgPath);
  const svgText = readFileSync(svgPath, "utf8");
  assert.match(svgText, /^<svg xmlns/);
  assert.match(svgText, /&lt;ent&gt;/);
  assert.doesNotMatch(svgText, /<script/);

  // Sentence-pair filter on the plain-array view.
  const plain = views.nth(1);
  await plain.scrollIntoViewIfNeeded();
  assert.equal(await plain.locator(".lukelab-attention-title").textContent(), "plain arrays");
  await plain.locator(`select[data-role="pair"]`).selectOption("AB");
  await shot(page, "07-sentence-pair-A-to-B", `.lukelab-attention[data-state="ready"] >> nth=1`);

  // Markup in tokens and title is shown as text; nothing was injected or run.
  const markup = views.nth(2);
  await markup.scrollIntoViewIfNeeded();
  assert.equal(await markup.locator(".lukelab-attention-title").textContent(), "<i>markup</i> title");
  assert.equal(await page.locator(".lukelab-attention img, .lukelab-attention script, .lukelab-attention i").count(), 0);
  assert.match((await markup.locator(`select[aria-label="Layer"]`).textContent()) ?? "", /0/);
  await markup.locator(`.lukelab-attention-tab[data-view="token"]`).click();
  const evilToken = markup.locator(`.lukelab-attention-token[data-token="0"]`);
  assert.equal(await evilToken.textContent(), `<img src=x onerror="win…`);
  assert.equal(await evilToken.getAttribute("title"), `word 0: <img src=x onerror="window.__lukelabPwned=1">`);
  await shot(page, "08-markup-tokens-as-text", `.lukelab-attention[data-state="ready"] >> nth=2`);

  // Error boxes say what is wrong.
  const messages = await failures.allTextContents();
  const expected = [/attention\.shape\[2\].*should be 2/, /NaN at layer 0, head 0, query 0, key 1/, /words: missing/, /5000 tokens is more than the limit/, /too many/, /attention\.shape\[2\]/, /not valid JSON/];
  expected.forEach((re, i) => assert.match(messages[i], re));
  // The worker refused them (the checking decoder runs there), naming the field.
  assert.deepEqual(await failures.evaluateAll((fs) => fs.map((f) => f.getAttribute("data-renderer"))), Array(7).fill("worker"));
  await failures.first().scrollIntoViewIfNeeded();
  await shot(page, "09-error-boxes");
  assert.equal(await page.evaluate(() => (globalThis as any).__lukelabPwned), undefined);
  assert.deepEqual(errors, [], `browser console errors:\n${errors.join("\n")}`);

  // 24 layers × 16 heads × 128 tokens in the widget itself: it renders and every hover answers. Its times
  // are reported (timings-24x16x128.json), not asserted: `npm run bench:attention` measures them.
  const big = views.nth(3);
  await big.scrollIntoViewIfNeeded();
  const bigRender = Number(await big.getAttribute("data-render-ms"));
  const bigCanvas = big.locator(`canvas[data-role="head-view"]`);
  const bigLayout = JSON.parse((await bigCanvas.getAttribute("data-layout"))!);
  const bigBox = (await bigCanvas.boundingBox())!;
  const hovers: number[] = [];
  for (let i = 0; i < 12; i++) {
    const row = 3 + i * 2;
    await page.mouse.move(bigBox.x + (i % 2 ? bigLayout.rightText + 8 : bigLayout.leftText - 8), bigBox.y + bigLayout.top + (row + 0.5) * bigLayout.rowHeight);
    await assertStatus(big, new RegExp(`“tok${row}”`));
    hovers.push(Number(await bigCanvas.getAttribute("data-hover-ms")));
  }
  await shot(page, "11-24x16x128-hover", `.lukelab-attention[data-state="ready"] >> nth=3`);
  const notice = (await big.locator(".lukelab-attention-notice").textContent()) ?? "";
  hovers.sort((a, b) => a - b);
  const timings = { renderMs: bigRender, hoverMedianMs: hovers[6], hoverMaxMs: hovers[11], notice };
  writeFileSync(join(ARTIFACTS, "timings-24x16x128.json"), JSON.stringify(timings, null, 2));
  console.log(`# 24×16×128 in JupyterLab: first render ${bigRender} ms, hover median ${hovers[6]} ms (max ${hovers[11]} ms)`);
  assert.ok(bigRender > 0 && hovers.every((h) => Number.isFinite(h) && h >= 0), `times recorded: render ${bigRender} ms, hovers [${hovers}]`);

  // Save; the stored notebook has the PNG beside the payload.
  await page.evaluate(() => (globalThis as any).jupyterapp.commands.execute("docmanager:save"));
  await page.waitForFunction(() => !(globalThis as any).jupyterapp.shell.currentWidget.context.model.dirty, null, { timeout: 30_000 });
  const saved = JSON.parse(readFileSync(join(lab.root, NOTEBOOK), "utf8"));
  const out = saved.cells[1].outputs.find((o: { data?: Record<string, unknown> }) => o.data?.[MIME]);
  assert.ok(out, "the LUKE cell has an attention output");
  assert.ok(typeof out.data["image/png"] === "string" && out.data["image/png"].length > 1000, "the output stores a PNG");
  assert.ok(typeof out.data[MIME] === "object", "the payload is stored as a JSON object");
  await context.close();

  // The same notebook where the extension is disabled: the stored image shows.
  lab.setDisabled(["lukelab"]);
  const plainContext = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page2 = await plainContext.newPage();
  await openNotebook(page2);
  const img = page2.locator(".jp-Cell").nth(1).locator(".jp-OutputArea-output img");
  await img.waitFor({ timeout: 30_000 });
  assert.equal(await page2.locator(".lukelab-attention").count(), 0);
  const natural = await img.evaluate((i: any) => i.naturalWidth);
  assert.ok(natural > 300, `stored image width ${natural}`);
  await img.scrollIntoViewIfNeeded();
  await shot(page2, "10-extension-disabled-stored-image", ".jp-Cell >> nth=1");
  await plainContext.close();
  lab.setDisabled([]);

  // A page without Worker: the same outputs, decoded and painted on the main thread (the fallback).
  const noWorker = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page3 = await noWorker.newPage();
  const errors3 = recordErrors(page3);
  await page3.addInitScript(() => delete (globalThis as any).Worker);
  await openNotebook(page3);
  const views3 = page3.locator(`.lukelab-attention[data-state="ready"]`);
  await views3.nth(3).waitFor({ timeout: 120_000 });
  await page3.locator(`.lukelab-attention[data-state="error"]`).nth(6).waitFor({ timeout: 30_000 });
  assert.deepEqual(await page3.locator(".lukelab-attention").evaluateAll((vs) => [...new Set(vs.map((v) => v.getAttribute("data-renderer")))]), ["main-thread"]);
  const messages3 = await page3.locator(`.lukelab-attention[data-state="error"]`).allTextContents();
  expected.forEach((re, i) => assert.match(messages3[i], re));
  const luke3 = views3.nth(0);
  await luke3.scrollIntoViewIfNeeded();
  const canvas3 = luke3.locator(`canvas[data-role="head-view"]`);
  const layout3 = JSON.parse((await canvas3.getAttribute("data-layout"))!);
  const box3 = (await canvas3.boundingBox())!;
  await page3.mouse.move(box3.x + layout3.leftText - 10, box3.y + layout3.top + 2.5 * layout3.rowHeight);
  await assertStatus(luke3, /attends most to/);
  await luke3.locator(`.lukelab-attention-tab[data-view="model"]`).click();
  await luke3.locator(`canvas[data-role="model-view"]`).waitFor();
  await shot(page3, "10b-main-thread-head-view", `.lukelab-attention[data-state="ready"] >> nth=0`);
  assert.deepEqual(errors3, [], `browser console errors without Worker:\n${errors3.join("\n")}`);
  await noWorker.close();
});

test("full length: a 512-token output of 12 layers × 12 heads renders, says what it left out, and is saved within 5 MB", { timeout: 300_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors = recordErrors(page);
  // Main-thread tasks over 50 ms, from the page's start.
  await page.addInitScript(() => {
    const g = globalThis as any;
    g.__longTasks = [];
    new PerformanceObserver((list) => g.__longTasks.push(...list.getEntries().map((e) => ({ start: e.startTime, ms: e.duration })))).observe({ type: "longtask" as never, buffered: true });
    // Resolves once a canvas has its pixels: two frames for a request to be made (a scroll is seen at the
    // next frame), then until no request is waiting for the worker (`data-pending`), then a frame.
    const frame = () => new Promise((r) => g.requestAnimationFrame(r));
    g.__lukelabPainted = async (c: any) => {
      await frame();
      await frame();
      while (c.dataset.pending) await frame();
      await frame();
    };
  });
  await openNotebook(page, FULL_LENGTH, "full-length");
  await kernelReady(page);
  await page.evaluate(() => void (globalThis as any).jupyterapp.commands.execute("notebook:run-all-cells"));
  // Only this notebook's outputs, should another notebook be open in a hidden tab.
  const ready = `.lukelab-attention[data-state="ready"] >> visible=true`;
  const view = page.locator(ready);
  // The output arrives once the kernel has made it: long tasks are counted from then on.
  await page.locator(".lukelab-attention >> visible=true").first().waitFor({ timeout: 180_000 });
  const arrived = await page.evaluate(() => performance.now());
  await view.first().waitFor({ timeout: 60_000 });
  const renderMs = Number(await view.getAttribute("data-render-ms"));
  assert.equal(await view.locator(".lukelab-attention-head").count(), 12);
  const omitted = (await view.locator(".lukelab-attention-omitted").textContent()) ?? "";
  assert.match(omitted, /^Links below 0\.\d+ are not stored \(the output's size budget\): \d+\.\d % of the attention mass, \d+\.\d % in this layer; [\d,]+ links kept\.$/);
  const kernelMs = Number(/kernel ms (\d+)/.exec((await page.locator(".jp-Cell >> visible=true").first().locator(".jp-OutputArea-output").allTextContents()).join(" "))?.[1]);
  await shot(page, "12-512-tokens-head-view", ready);

  assert.equal(await view.getAttribute("data-renderer"), "worker");
  // Layer switches: change → the worker's pixels on the canvas (no `data-pending`) → the next frame.
  const switches: number[] = [];
  for (const layer of [5, 11, 0, 7]) {
    switches.push(
      await view.locator(`select[aria-label="Layer"]`).evaluate(async (select: any, value) => {
        const t0 = performance.now();
        select.value = String(value);
        select.dispatchEvent(new Event("change", { bubbles: true }));
        await (globalThis as any).__lukelabPainted(select.closest(".lukelab-attention").querySelector(`canvas[data-role="head-view"]`));
        return performance.now() - t0;
      }, layer),
    );
  }
  assert.match((await view.locator(".lukelab-attention-omitted").textContent()) ?? "", /in this layer/);
  // A layer's rows in sight at 512 tokens are tens of thousands of lines: with two cores or more the
  // helper worker painted the lower part of them (renderer.ts), with one the worker all of them.
  const { cores, helperRows } = await view.locator(`canvas[data-role="head-view"]`).evaluate((c: any) => ({ cores: (globalThis as any).navigator.hardwareConcurrency as number, helperRows: Number(c.dataset.helperRows) }));
  if (cores >= 2) assert.ok(helperRows > 0, `the helper painted part of the band (${cores} cores)`);
  else assert.equal(helperRows, 0, "one core: no helper");
  // The head view paints the rows in sight of its scroll box: the last token's rows are blank until
  // scrolled to, then its links and its label are drawn there.
  const probeLastRows = () =>
    view.locator(`canvas[data-role="head-view"]`).evaluate((c: any) => {
      const l = JSON.parse(c.dataset.layout);
      const r = c.width / c.clientWidth;
      const ctx = c.getContext("2d");
      const bg = ctx.getImageData(1, 1, 1, 1).data;
      const count = (x0: number, y0: number, x1: number, y1: number) => {
        const d = ctx.getImageData(Math.floor(x0 * r), Math.floor(y0 * r), Math.ceil((x1 - x0) * r), Math.ceil((y1 - y0) * r)).data;
        let unpainted = 0, drawn = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (d[i + 3] === 0) unpainted++;
          else if (Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) > 30) drawn++;
        }
        return { unpainted, drawn };
      };
      const last = l.top + (l.tokens - 0.5) * l.rowHeight;
      return { links: count(l.x0, last - 3 * l.rowHeight, l.x1, last), label: count(l.leftText - 30, last - l.rowHeight / 2, l.leftText, last + l.rowHeight / 2) };
    });
  const unscrolled = await probeLastRows();
  assert.ok(unscrolled.links.unpainted > 0 && unscrolled.links.drawn === 0, `the last rows are not painted before they are in sight: ${JSON.stringify(unscrolled)}`);
  await view.locator(`canvas[data-role="head-view"]`).evaluate(async (c: any) => {
    const box = c.parentElement; // the pane's scroll box
    box.scrollTop = box.scrollHeight;
    await (globalThis as any).__lukelabPainted(c);
  });
  const scrolled = await probeLastRows();
  assert.ok(scrolled.links.unpainted === 0 && scrolled.links.drawn > 0 && scrolled.label.unpainted === 0 && scrolled.label.drawn > 0, `scrolled to, the last rows show links and the label: ${JSON.stringify(scrolled)}`);
  await shot(page, "12b-512-tokens-head-view-scrolled", ready);
  // The model view draws every head of every layer.
  await view.locator(`.lukelab-attention-tab[data-view="model"]`).click();
  await view.locator(`canvas[data-role="model-view"]`).waitFor();
  assert.doesNotMatch((await view.locator(".lukelab-attention-omitted").textContent()) ?? "", /in this layer/);
  await shot(page, "13-512-tokens-model-view", ready);
  const longTasks: { start: number; ms: number }[] = await page.evaluate(() => (globalThis as any).__longTasks);
  const after = longTasks.filter((t) => t.start + t.ms >= arrived).map((t) => Math.round(t.ms));
  const timings = { kernelMs, renderMs, layerSwitchMs: switches.map(Math.round), longTasksAfterOutputMs: after, overHundred: after.filter((ms) => ms > 100).length };
  writeFileSync(join(ARTIFACTS, "timings-12x12x512.json"), JSON.stringify(timings, null, 2));
  console.log(`# 12×12×512 in JupyterLab: kernel ${kernelMs} ms, first render ${renderMs} ms, layer switches ${timings.layerSwitchMs.join(", ")} ms, long tasks after the output arrived: [${after.join(", ")}] ms`);
  assert.ok(kernelMs > 0 && renderMs > 0, `times recorded: ${JSON.stringify(timings)}`);
  // Decoding, scenes and bands run in the worker: no main-thread task after the output arrived comes
  // near what they cost together on the main thread (0.3–0.6 s at this size; the bench times them).
  // A structural bound, generous for a loaded machine, not the 100 ms goal.
  assert.ok(after.every((ms) => ms < 400), `main-thread tasks after the output arrived: [${after.join(", ")}] ms`);

  // Saved, the notebook stays within the budget (the payload, the PNG, the text and the notebook around them).
  await page.evaluate(() => (globalThis as any).jupyterapp.commands.execute("docmanager:save"));
  await page.waitForFunction(() => !(globalThis as any).jupyterapp.shell.currentWidget.context.model.dirty, null, { timeout: 30_000 });
  const bytes = readFileSync(join(lab.root, FULL_LENGTH)).length;
  console.log(`# 12×12×512 saved notebook: ${bytes} bytes`);
  assert.ok(bytes <= 5_000_000 + 20_000, `saved notebook of ${bytes} bytes (the output's budget is 5 MB; the cells' source is the rest)`);
  assert.deepEqual(errors, [], `browser console errors:\n${errors.join("\n")}`);
  await context.close();
});

async function pressed(view: ReturnType<Page["locator"]>): Promise<(string | null)[]> {
  return view.locator(".lukelab-attention-head").evaluateAll((bs) => bs.map((b) => b.getAttribute("aria-pressed")));
}

async function assertStatus(view: ReturnType<Page["locator"]>, re: RegExp): Promise<void> {
  const status = view.locator(".lukelab-attention-status");
  const deadline = Date.now() + 5000;
  let text = "";
  while (Date.now() < deadline) {
    text = (await status.textContent()) ?? "";
    if (re.test(text)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(text, re);
}
