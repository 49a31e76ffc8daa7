/**
 * Attention of a NER model over every span entity of a sentence, for the attention views:
 *
 *   import { loadLuke, showAttention } from "lukelab";
 *   const luke = await loadLuke("runs/ner-sample");
 *   const [view] = await luke.nerAttention("Peter Blackburn visited Brussels.");
 *   showAttention(view);                                   // head view, model view, token view
 *   showAttention((await luke.nerAttention(text, { entities: "predicted" }))[0]);
 *
 * Each sentence of the text is encoded as `ner run` encodes it (its document context, every word
 * span of at most --max-mention-length subwords as a [MASK] entity) and run once with attentions on;
 * the sentence's spans are kept in one input (no chunking), so every span entity attends to every
 * other as in one forward pass.
 *
 *   entities: "all"        every candidate span is an entity token, named by its text; the spans the
 *                          model predicts are named with their type ("Peter Blackburn → PER");
 *   entities: "predicted"  the same forward pass, with only the predicted spans' entity tokens kept
 *                          in the view (the other candidates' rows and columns are left out, so an
 *                          entity row there may sum to less than 1).
 *
 * What is returned is plain data that showAttention and attentionPayload (kernel/display) take:
 * { tokens (the word tokens), entities (names), entitySpans (word token indices), attentions
 * [layer][head][query][key] }, with the spans' offsets and predictions beside it.
 */
import { disposeInputs, disposeOutputs } from "../../inference/luke";
import type { Luke } from "../../inference/luke";
import type { LukeOutputs } from "../../model";
import { collateSpans, type SpanOptions } from "./inputs";
import { decodeSpans, type ScoredSpan } from "./metrics";
import { textFeatures } from "./notebook";

export interface NerAttentionOptions extends Partial<Omit<SpanOptions, "maxEntityLength">> {
  /** "all" candidate spans (default) or only the "predicted" ones. */
  entities?: "all" | "predicted";
  /** Only these layers (the model's layer numbers); default all. */
  layers?: number[];
}

export interface NerAttentionSpan {
  /** The span's text, and its code-point offsets into the input text (end exclusive). */
  text: string;
  start: number;
  end: number;
  /** The type decoding keeps for this span, with its probability; absent for spans not predicted. */
  predicted?: { type: string; score: number };
}

/** One sentence's attention, in the shape showAttention takes (AttentionInput). */
export interface NerAttentionView {
  title: string;
  /** Word tokens of the input (<s>, context, the sentence, </s>). */
  tokens: string[];
  /** One name per entity token, in order. */
  entities: string[];
  /** Per entity, the word-token indices of its span. */
  entitySpans: number[][];
  /** [layer][head][query][key] over tokens then entities. */
  attentions: number[][][][];
  /** The entities' spans, in the order of `entities`. */
  spans: NerAttentionSpan[];
}

/** Attention over the span entities of every sentence of `text`, one view per sentence. */
export async function nerAttention(luke: Luke, text: string, options: NerAttentionOptions = {}): Promise<NerAttentionView[]> {
  const mode = options.entities ?? "all";
  if (mode !== "all" && mode !== "predicted") throw new Error(`nerAttention: entities must be "all" or "predicted", found ${JSON.stringify(mode)}`);
  const layerCount = luke.config.numHiddenLayers;
  for (const l of options.layers ?? []) {
    if (!Number.isInteger(l) || l < 0 || l >= layerCount) throw new Error(`nerAttention: layer ${l} does not exist (the model has ${layerCount} layers)`);
  }
  // One input per sentence: every span of the sentence in it.
  const { sentences, labels, features, chars } = textFeatures(luke, text, { ...options, maxEntityLength: Number.MAX_SAFE_INTEGER }, "nerAttention");
  const views: NerAttentionView[] = [];
  for (const feature of features) {
    const words = sentences[feature.sentence];
    const inputs = collateSpans([feature.encoding], luke.config.padTokenId);
    let outputs: LukeOutputs | undefined;
    let logits: number[][];
    let attentions: number[][][][];
    try {
      outputs = luke.model.forward(inputs, { training: false, outputAttentions: true });
      logits = ((await outputs.logits!.array()) as number[][][])[0];
      const layers = options.layers ?? outputs.attentions!.map((_, i) => i);
      attentions = [];
      for (const l of layers) attentions.push(((await outputs.attentions![l].array()) as number[][][][])[0]);
    } finally {
      disposeInputs(inputs);
      if (outputs) disposeOutputs(outputs);
    }
    // Upstream's decoding over this sentence's spans: which are predicted, as what.
    const candidates: (ScoredSpan & { index: number; probability: number })[] = [];
    feature.spans.forEach(([start, end], j) => {
      const row = logits[j];
      let best = 0;
      for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
      if (best === 0) return;
      const z = row.reduce((s, v) => s + Math.exp(v - row[best]), 0);
      candidates.push({ start, end, type: labels[best], score: row[best], index: j, probability: 1 / z });
    });
    const kept = new Map(decodeSpans(candidates).map((c) => [(c as (typeof candidates)[number]).index, c as (typeof candidates)[number]]));
    const spans: NerAttentionSpan[] = feature.spans.map(([s, e], j) => {
      const start = words[s].start;
      const end = words[e - 1].end;
      const p = kept.get(j);
      return { text: chars.slice(start, end).join(""), start, end, ...(p ? { predicted: { type: p.type, score: p.probability } } : {}) };
    });
    const enc = feature.encoding;
    const wordCount = enc.inputIds.length;
    const chosen = mode === "all" ? feature.spans.map((_, j) => j) : feature.spans.map((_, j) => j).filter((j) => kept.has(j));
    const keep = [...Array(wordCount).keys(), ...chosen.map((j) => wordCount + j)];
    views.push({
      title: `${mode === "all" ? `all ${feature.spans.length} candidate spans` : `the ${chosen.length} predicted spans`} of "${chars.slice(words[0].start, words[words.length - 1].end).join("")}"`,
      tokens: enc.tokens.slice(0, wordCount),
      entities: chosen.map((j) => (spans[j].predicted ? `${spans[j].text} → ${spans[j].predicted!.type}` : spans[j].text)),
      entitySpans: chosen.map((j) => enc.entityPositionIds[j].filter((p) => p >= 0)),
      attentions: mode === "all" && keep.length === wordCount + feature.spans.length ? attentions : attentions.map((layer) => layer.map((head) => keep.map((q) => keep.map((k) => head[q][k])))),
      spans: chosen.map((j) => spans[j]),
    });
  }
  return views;
}
