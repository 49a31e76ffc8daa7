/** The notebook the browser tests open: a LUKE forward pass, plain arrays, markup tokens, malformed payloads. */
import { join } from "node:path";
import { ROOT } from "../../helpers";

/** A tslab notebook of code cells. */
function tslabNotebook(cells: string[]): unknown {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" }, language_info: { name: "typescript" } },
    cells: cells.map((source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source })),
  };
}

/** One code cell: its source (tslabNotebook wraps it). */
const cell = (source: string) => source;

export function attentionNotebook(): unknown {
  const sample = JSON.stringify(join(ROOT, "samples", "tiny-luke"));
  return tslabNotebook([
    cell(
      `import { loadLuke, showLukeAttention, showAttention, attentionPayload, encodeAttentionPayload, ATTENTION_MIME } from "lukelab";\n` +
        `import * as tslab from "tslab";\n` +
        `const luke = await loadLuke(${sample});\n` +
        `console.log("layers", luke.config.numHiddenLayers);`,
    ),
    cell(`await showLukeAttention(luke, { text: "Beyoncé lives in Los Angeles.", spans: [[0, 7]] }, { title: "tiny-luke: Beyoncé lives in Los Angeles." });`),
    cell(
      [
        `// Any model from plain arrays, with a sentence pair; sent as a JSON string through tslab's public API.`,
        `const toks = ["[CLS]", "the", "cat", "sat", "[SEP]", "it", "slept", "[SEP]"];`,
        `const n = toks.length;`,
        `const attentions = [0, 1].map((l) => [0, 1, 2].map((h) => toks.map((_, q) => { const r = toks.map((_, k) => Math.exp(-Math.abs(q - k - h + l))); const s = r.reduce((a, b) => a + b); return r.map((x) => x / s); })));`,
        `tslab.display.raw(ATTENTION_MIME, JSON.stringify(attentionPayload({ tokens: toks, attentions, segmentBoundary: 5, title: "plain arrays" })));`,
      ].join("\n"),
    ),
    cell(
      [
        `// Token strings with markup are text, never markup.`,
        `const evil = ["<img src=x onerror=\\"window.__lukelabPwned=1\\">", "<script>window.__lukelabPwned=2</script>", "&amp;", "<b>bold</b>"];`,
        `const evilAtt = [[evil.map((_, q) => evil.map(() => 1 / evil.length))]];`,
        `(tslab.display as any).raw(ATTENTION_MIME, attentionPayload({ tokens: evil, attentions: evilAtt, title: "<i>markup</i> title" }));`,
      ].join("\n"),
    ),
    cell(
      [
        `// Malformed payloads: each shows an error box.`,
        `const good: any = attentionPayload({ tokens: ["a", "b"], attentions: [[[[0.5, 0.5], [0.5, 0.5]]]] });`,
        `const nan = encodeAttentionPayload({ words: ["a", "b"], heads: 1, weights: [0.5, NaN, 0.5, 0.5], encoding: "float32" });`,
        `const bad: unknown[] = [`,
        `  { ...good, attention: { ...good.attention, shape: [1, 1, 3, 3] } },`,
        `  nan,`,
        `  { ...good, words: undefined },`,
        `  { ...good, words: Array.from({ length: 5000 }, (_, i) => "w" + i) },`,
        `  { ...good, attention: { ...good.attention, data: good.attention.data + "AAAA" } },`,
        `  { ...good, words: ["<img src=x onerror=\\"window.__lukelabPwned=3\\">"] },`,
        `  "{ not json",`,
        `];`,
        `for (const b of bad) (tslab.display as any).raw(ATTENTION_MIME, b);`,
      ].join("\n"),
    ),
    cell(
      [
        `// The size the speed targets are set for: 24 layers × 16 heads × 128 tokens (softmax rows of random logits).`,
        `const N = 128, L = 24, H = 16;`,
        `let seed = 1;`,
        `const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);`,
        `const w = new Float32Array(L * H * N * N);`,
        `for (let r = 0; r < L * H * N; r++) { let s = 0; for (let k = 0; k < N; k++) s += w[r * N + k] = Math.exp(6 * (rnd() - 0.5)); for (let k = 0; k < N; k++) w[r * N + k] /= s; }`,
        `(tslab.display as any).raw(ATTENTION_MIME, encodeAttentionPayload({ words: Array.from({ length: N }, (_, i) => "tok" + i), heads: H, weights: w, title: "24 layers × 16 heads × 128 tokens" }));`,
      ].join("\n"),
    ),
  ]);
}


/**
 * Full length: one 512-token output of a 12-layer × 12-head model, shown from a TF.js tensor in the kernel
 * (softmax rows of random logits, as in bench/attention-render.ts). The cell prints how long showAttention
 * took in the kernel. It imports this checkout's build by path (in a git worktree, "lukelab" in
 * node_modules may be another checkout's).
 */
export function fullLengthNotebook(): unknown {
  return tslabNotebook([
    cell(
      [
        `import { showAttention, tf } from ${JSON.stringify(join(ROOT, "lib", "kernel"))};`,
        `const N = 512, L = 12, H = 12;`,
        `let seed = 1;`,
        `const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);`,
        `const w = new Float32Array(L * H * N * N);`,
        `for (let r = 0; r < L * H * N; r++) { let s = 0; for (let k = 0; k < N; k++) s += w[r * N + k] = Math.exp(6 * (rnd() - 0.5) + (rnd() < 0.05 ? 4 : 0)); for (let k = 0; k < N; k++) w[r * N + k] /= s; }`,
        `const attentions = tf.tensor4d(w, [L, H, N, N]);`,
        `const t0 = performance.now();`,
        `showAttention({ tokens: Array.from({ length: N }, (_, i) => "tok" + i), attentions: attentions, title: "12 layers × 12 heads × 512 tokens" });`,
        `console.log("kernel ms", Math.round(performance.now() - t0));`,
        `attentions.dispose();`,
      ].join("\n"),
    ),
  ]);
}
