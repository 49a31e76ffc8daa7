/**
 * The comparison as one notebook output: each model's attention image side by side (the display's
 * static image), the token alignment table (which pieces make which word), and the word-pair table
 * (attention from one word to another, per model and layer). The interactive views follow, one per
 * model, when asked for.
 */
import { attentionImage, attentionPayload, sendBundle, showAttention, type DisplayBundle } from "../display";
import { compareModels, type AttentionCompareOptions, type ComparedModel, type AttentionComparison } from "./compare";

export interface CompareDisplayOptions extends AttentionCompareOptions {
  /** Which layer the images' head views show (default: each model's last). */
  layer?: number;
  /** Also send each model's interactive attention view (the lukelab JupyterLab extension's). */
  interactive?: boolean;
  /** Compute only, display nothing (e.g. outside a notebook). */
  display?: boolean;
}

const attr = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function modelImages(c: AttentionComparison, layer: number | undefined): string {
  const figures = c.models.map((m) => {
    const payload = attentionPayload({ tokens: m.tokens, attentions: m.attentions, entities: m.entities, entitySpans: m.entitySpans, title: m.name });
    const chosen = layer === undefined ? undefined : Math.min(layer, m.attentions.length - 1);
    const img = attentionImage(payload, { layer: chosen });
    const src = `data:image/png;base64,${Buffer.from(img.png).toString("base64")}`;
    return (
      `<figure style="margin:0;flex:1 1 0;min-width:260px">` +
      `<figcaption><b>${attr(m.name)}</b>: ${m.attentions.length} layers × ${m.attentions[0]?.length ?? 0} heads, ${m.tokens.length} tokens${m.entities?.length ? `, ${m.entities.length} entities` : ""}</figcaption>` +
      `<img alt="${attr(m.name)} attention" style="max-width:100%" src="${src}"></figure>`
    );
  });
  return `<div style="display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap">${figures.join("")}</div>`;
}

function alignmentTable(c: AttentionComparison): string {
  const head = `<tr><th>word</th>${c.models.map((m) => `<th>${attr(m.name)}</th>`).join("")}</tr>`;
  const rows = c.words.map((w, i) => {
    const cells = c.models.map((m) => `<td><code>${attr(m.wordTokens[i].map((t) => m.tokens[t]).join(" "))}</code></td>`);
    return `<tr><td>${attr(w.text)}</td>${cells.join("")}</tr>`;
  });
  return `<table><caption>Token alignment: the pieces of each word</caption>${head}${rows.join("")}</table>`;
}

function pairTable(c: AttentionComparison): string {
  if (!c.pair) return "";
  const { from, to, values } = c.pair;
  const layers = Math.max(...values.map((v) => v.length));
  const head = `<tr><th>model</th>${Array.from({ length: layers }, (_, l) => `<th>layer ${l}</th>`).join("")}</tr>`;
  const rows = c.models.map((m, i) => {
    const cells = Array.from({ length: layers }, (_, l) => {
      const heads = values[i][l];
      if (!heads) return "<td></td>";
      const mean = heads.reduce((a, b) => a + b, 0) / heads.length;
      const max = Math.max(...heads);
      const shade = Math.round(255 - 155 * Math.min(1, mean));
      return `<td style="background:rgb(${shade},${shade},255)" title="heads: ${heads.map((h) => h.toFixed(3)).join(", ")}">${mean.toFixed(3)} <small>(max ${max.toFixed(3)})</small></td>`;
    });
    return `<tr><td>${attr(m.name)}</td>${cells.join("")}</tr>`;
  });
  const caption = `Attention from “${attr(c.words[from].text)}” to “${attr(c.words[to].text)}”: mean over heads (largest head)`;
  return `<table><caption>${caption}</caption>${head}${rows.join("")}</table>${piecesView(c, from, to)}`;
}

/** Token to token: per model, each piece of the first word against each piece of the second, last layer, mean over heads. */
function piecesView(c: AttentionComparison, from: number, to: number): string {
  const tables = c.models.map((m) => {
    const last = m.attentions[m.attentions.length - 1];
    const value = (q: number, k: number) => last.reduce((sum, head) => sum + head[q][k], 0) / last.length;
    const head = `<tr><th></th>${m.wordTokens[to].map((k) => `<th><code>${attr(m.tokens[k])}</code></th>`).join("")}</tr>`;
    const rows = m.wordTokens[from].map(
      (q) => `<tr><th><code>${attr(m.tokens[q])}</code></th>${m.wordTokens[to].map((k) => `<td>${value(q, k).toFixed(3)}</td>`).join("")}</tr>`,
    );
    return `<table><caption>${attr(m.name)}, layer ${m.attentions.length - 1}</caption>${head}${rows.join("")}</table>`;
  });
  return `<p>Token to token (rows: pieces of “${attr(c.words[from].text)}”, columns: pieces of “${attr(c.words[to].text)}”):</p><div style="display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start">${tables.join("")}</div>`;
}

/** The comparison's notebook output: HTML and a plain-text summary. */
export function comparisonBundle(c: AttentionComparison, options: { layer?: number } = {}): DisplayBundle {
  const html = `<div class="lukelab-compare"><p>${attr(c.text)}</p>${modelImages(c, options.layer)}${alignmentTable(c)}${pairTable(c)}</div>`;
  const lines = [`lukelab attention comparison of ${c.models.map((m) => m.name).join(", ")} on ${JSON.stringify(c.text)}`];
  for (const [i, w] of c.words.entries()) lines.push(`  ${w.text}: ${c.models.map((m) => `${m.name} [${m.wordTokens[i].map((t) => m.tokens[t]).join(" ")}]`).join("  ")}`);
  if (c.pair) {
    lines.push(`attention from "${c.words[c.pair.from].text}" to "${c.words[c.pair.to].text}", mean over heads per layer:`);
    c.models.forEach((m, i) => lines.push(`  ${m.name}: ${c.pair!.values[i].map((heads) => (heads.reduce((a, b) => a + b, 0) / heads.length).toFixed(3)).join(" ")}`));
  }
  return { data: { "text/html": html, "text/plain": lines.join("\n") }, metadata: {} };
}

/**
 * Runs the models on one sentence and shows their attention side by side, with the token
 * alignment and, given `pair`, the attention between two words across models. Returns the
 * comparison (tokens, attentions, alignment, word-pair values).
 */
export async function compareAttention(models: readonly ComparedModel[], text: string, options: CompareDisplayOptions = {}): Promise<AttentionComparison> {
  const comparison = await compareModels(models, text, options);
  if (options.display === false) return comparison;
  sendBundle(comparisonBundle(comparison, options), "text/html", "compareAttention needs the tslab kernel; pass { display: false } and use comparisonBundle()");
  if (options.interactive) {
    for (const m of comparison.models) showAttention({ tokens: m.tokens, attentions: m.attentions, entities: m.entities, entitySpans: m.entitySpans, title: m.name }, { image: false });
  }
  return comparison;
}
