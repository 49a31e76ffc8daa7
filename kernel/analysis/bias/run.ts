/**
 * Running a bias probe through a model: for every filled template, the label scores and the
 * attention from the mention (or the [MASK] entity) to each target word, in every layer.
 *
 * Attention, per layer l, averaged over the layer's heads h:
 *   attention(from → target, l) = mean_h  mean_{q ∈ Q}  Σ_{k ∈ K} A[l][h][q][k]
 * where A is the post-softmax attention over words then entities (what `forward(…, {attentions})`
 * returns), K are the target word's tokens (every BPE piece of it; their weights summed, so it is
 * the share of attention the word gets) and Q is
 *   - "mention": the mention's word tokens (the filler's BPE pieces, without the <ent> markers),
 *     their rows averaged;
 *   - "entity": the [MASK] entity, the query that entity typing classifies from.
 */
import type { Luke, ForwardResult } from "../../inference/luke";
import { labelledPredictions } from "../../inference/luke";
import { BYTE_TO_CHAR } from "../../portable/tokens";
import type { EncodeInput } from "../../tokenizer";
import { BiasProbeError, fillProbe, wordOccurrences, type AttentionFrom, type BiasProbe, type FilledTemplate } from "./probe";

/** One filled template with what the model made of it. */
export interface ProbeExample extends FilledTemplate {
  /** Word tokens (byte-level BPE strings) of the model input. */
  tokens: string[];
  /** Positions in `tokens` of the mention's word tokens (the query rows for from: "mention"). */
  mentionTokens: number[];
  /** Positions in `tokens` of each target word's tokens (the key columns). */
  targetTokens: Record<string, number[]>;
  /** Score per label: sigmoid of the logit (multi-label entity typing) or softmax, as `predict` gives. */
  scores: Record<string, number>;
  /** attention[from][target][layer], averaged over heads (see the module comment). */
  attention: Partial<Record<AttentionFrom, Record<string, number[]>>>;
}

export interface ProbeRun {
  probe: BiasProbe;
  /** The model's labels, and the ones the probe compares. */
  labels: string[];
  compared: string[];
  layers: number;
  /** The 0-based layer compared between groups. */
  layer: number;
  examples: ProbeExample[];
}

export interface RunProbeOptions {
  /** Inputs per forward pass (default 16). */
  batchSize?: number;
}

const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/**
 * Each token's [start, end) in a byte string of the words (special and added tokens, such as <s> and
 * <ent>, take no room), so words of the text can be found among the tokens.
 */
function tokenBytes(tokens: string[], special: ReadonlySet<string>): { text: string; ranges: [number, number][] } {
  let text = "";
  const ranges: [number, number][] = [];
  for (const token of tokens) {
    const start = text.length;
    if (!special.has(token)) {
      for (const ch of token) {
        const b = CHAR_TO_BYTE.get(ch);
        text += b === undefined ? ch : String.fromCharCode(b);
      }
    }
    ranges.push([start, text.length]);
  }
  return { text, ranges };
}

/** In the byte string: ASCII letters, digits and "_", and every byte of a multi-byte UTF-8 character. */
const byteInWord = (c: string) => /[A-Za-z0-9_]/.test(c) || c.charCodeAt(0) >= 0x80;

/** UTF-8 bytes as a string of char codes 0–255 (to search in tokenBytes' text). */
const byteString = (s: string) => String.fromCharCode(...new TextEncoder().encode(s));

function headMeanLayer(layer: number[][][], queries: number[], keys: number[]): number {
  let total = 0;
  for (const head of layer) {
    let h = 0;
    for (const q of queries) for (const k of keys) h += head[q][k];
    total += h / queries.length;
  }
  return total / layer.length;
}

/** The token positions of an example's mention and targets, and its attention measures. */
function measure(example: FilledTemplate, result: ForwardResult, probe: BiasProbe, special: ReadonlySet<string>, markers: ReadonlySet<string>): Omit<ProbeExample, keyof FilledTemplate | "scores"> {
  const tokens = result.tokens;
  const where = `${example.template}/${example.group}/${example.filler} (${JSON.stringify(example.text)})`;
  const span = (result.entityPositionIds[0] ?? []).filter((p) => p >= 0);
  const mentionTokens = span.filter((p) => !markers.has(tokens[p]));
  if (mentionTokens.length === 0) throw new Error(`${where}: the mention has no word tokens in the model input (was it truncated?)`);
  const { text, ranges } = tokenBytes(tokens, special);
  const inMention = new Set(mentionTokens);
  const targetTokens: Record<string, number[]> = {};
  for (const target of probe.targets) {
    const word = byteString(target);
    const hits = wordOccurrences(text, word, byteInWord)
      .map((at) => ranges.map((r, i) => (r[1] > r[0] && r[0] < at + word.length && r[1] > at ? i : -1)).filter((i) => i >= 0))
      .filter((positions) => positions.length > 0 && !positions.some((p) => inMention.has(p)));
    if (hits.length !== 1) throw new Error(`${where}: found "${target}" ${hits.length} times among the tokens outside the mention, expected once`);
    targetTokens[target] = hits[0];
  }
  const attentions = result.attentions;
  if (!attentions) throw new Error("the model returned no attentions");
  const entityRow = tokens.length; // words first, then entities: the [MASK] entity is the first entity
  const attention: ProbeExample["attention"] = {};
  for (const from of probe.from) {
    const queries = from === "mention" ? mentionTokens : [entityRow];
    const perTarget: Record<string, number[]> = {};
    for (const target of probe.targets) perTarget[target] = attentions.map((layer) => headMeanLayer(layer, queries, targetTokens[target]));
    attention[from] = perTarget;
  }
  return { tokens, mentionTokens, targetTokens, attention };
}

/**
 * Runs every filled template of the probe through an entity-typing model (entity_classification:
 * the filler is the mention, classified through the [MASK] entity). Tensors are made and disposed
 * inside `forward`.
 */
export async function runProbe(luke: Luke, probe: BiasProbe, options: RunProbeOptions = {}): Promise<ProbeRun> {
  if (luke.model.head !== "entity_classification") {
    throw new Error(`a bias probe needs an entity-typing model (LukeForEntityClassification); this checkpoint's head is "${luke.model.head}"`);
  }
  const labels = luke.labels;
  const compared = probe.labels ?? labels;
  probe.labels?.forEach((l, i) => {
    if (!labels.includes(l)) throw new BiasProbeError(`${probe.locate(["labels", i])}: labels[${i}]: "${l}" is not a label of this model (${labels.join(", ")})`);
  });
  const layers = luke.config.numHiddenLayers;
  const layer = probe.layer === "last" ? layers - 1 : probe.layer;
  if (layer >= layers) throw new BiasProbeError(`${probe.locate(["layer"])}: layer: ${layer} does not exist; the model has ${layers} layers (0–${layers - 1})`);

  const filled = fillProbe(probe);
  const inputs: EncodeInput[] = filled.map((f) => ({ text: f.text, spans: [f.mention] }));
  const results = await luke.forward(inputs, { attentions: true, task: "entity_classification", batchSize: options.batchSize });
  const predictions = labelledPredictions(inputs, results, luke.config, luke.model.head);
  const special = new Set(luke.tokenizer.addedTokens.map((t) => t.content));
  const markers = new Set(luke.tokenizer.convertIdsToTokens([...luke.tokenizer.entityMarkerIds]));
  const examples = filled.map((f, i) => {
    const scores: Record<string, number> = {};
    for (const label of labels) scores[label] = predictions[i].scores.find((s) => s.label === label)!.score;
    return { ...f, ...measure(f, results[i], probe, special, markers), scores };
  });
  return { probe, labels, compared, layers, layer, examples };
}
