/**
 * Attention statistics over a dataset, from the [MASK] entity's point of view (the thesis's
 * `visual_attention/tests` questions), in one pass over the examples:
 *
 * - position bins: per example, layer and head, the sum of the attention the entity's query gives
 *   to the words in each distance bin (bins.ts); per bin, the mean over the examples that have at
 *   least one word in the bin, and its standard error (sample SD, n − 1, over √n);
 * - targets: the same sums over token categories (markers, mention words, <s>, </s>, other words,
 *   entity tokens), which add up to 1 for every query;
 * - token pairs: attention[layer][head][t1][t2] for two tokens named by string, over every example
 *   that has both, repeated tokens handled by `duplicates`.
 *
 * Every statistic is given per layer and head, and per layer with the heads averaged: the per-example
 * value is first averaged over the heads, then the mean and SE are taken over examples. Examples are
 * kept only as these running sums (Welford), so a file of any length streams through.
 */
import { prettifyToken } from "../../portable/tokens";
import type { AttentionRecord } from "../../tasks/entity-typing/attention-records";
import {
  DEFAULT_POSITION_BINS,
  DISTANCE_UNITS,
  MASK_TARGET_CATEGORIES,
  checkPositionBins,
  mentionPositions,
  parsePositionBins,
  positionBinIndices,
  type DistanceUnit,
  type MaskTargetCategory,
  type PositionBin,
} from "./bins";
import { attentionExampleFromForward, attentionExampleFromRecord, readAttentionRecords, type AttentionExample, type ForwardWithAttentions, type ForwardExampleOptions } from "./examples";

/** A mean over examples with its standard error; null where n is 0 (mean) or below 2 (SE). */
export interface MeanAndSe {
  n: number;
  mean: number | null;
  se: number | null;
}

/** Running count, mean and sum of squared deviations per cell (Welford's update). */
class Welford {
  private readonly n: Float64Array;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;

  constructor(readonly size: number) {
    this.n = new Float64Array(size);
    this.mean = new Float64Array(size);
    this.m2 = new Float64Array(size);
  }

  add(cell: number, x: number): void {
    const n = ++this.n[cell];
    const d = x - this.mean[cell];
    this.mean[cell] += d / n;
    this.m2[cell] += d * (x - this.mean[cell]);
  }

  get(cell: number): MeanAndSe {
    const n = this.n[cell];
    if (n === 0) return { n: 0, mean: null, se: null };
    return { n, mean: this.mean[cell], se: n < 2 ? null : Math.sqrt(this.m2[cell] / (n - 1) / n) };
  }
}

/** How a token repeated in an example is paired: every occurrence pair averaged, or the first or last occurrence. */
export type PairDuplicateMode = "mean" | "first" | "last";
export const PAIR_DUPLICATE_MODES: readonly PairDuplicateMode[] = ["mean", "first", "last"];

export interface AttentionStatsOptions extends ForwardExampleOptions {
  /** Distance bins (default DEFAULT_POSITION_BINS), or their command-line form ("-inf..-11,…"). */
  bins?: readonly PositionBin[] | string;
  /** What distances count: word tokens (default) or whole words (pieces joined at the "Ġ" word starts). */
  distanceUnit?: DistanceUnit;
  /** Token pairs [from, to] (or "from,to"): how much `from` attends to `to`. */
  pairs?: readonly (readonly [string, string] | string)[];
  /** Repeated tokens in a pair (default "mean": the mean over every occurrence pair). */
  duplicates?: PairDuplicateMode;
  /** Match pair tokens ignoring case (default false: exact, case-sensitive, as the original). */
  ignoreCase?: boolean;
  /** Which entity's query row is studied (default 0: the [MASK] entity of entity typing). */
  entity?: number;
}

/** Where a pair was found in one example: the token positions of each side. */
export interface TokenPairMatch {
  where: string;
  index: number;
  sentence: string;
  from: number[];
  to: number[];
}

export interface TokenPairStatistics {
  from: string;
  to: string;
  /** [layer][head] over the examples that have both tokens. */
  byHead: MeanAndSe[][];
  /** [layer], heads averaged per example. */
  byLayer: MeanAndSe[];
  matches: TokenPairMatch[];
  /** Examples without one of the tokens (or both). */
  lacking: number;
}

export interface AttentionStatistics {
  layers: number;
  heads: number;
  examples: number;
  /** The inputs (files, or "forward results") and how many examples each gave. */
  sources: { source: string; examples: number }[];
  entity: number;
  bins: PositionBin[];
  distanceUnit: DistanceUnit;
  duplicates: PairDuplicateMode;
  ignoreCase: boolean;
  position: { byHead: MeanAndSe[][][]; byLayer: MeanAndSe[][] };
  targets: { byHead: MeanAndSe[][][]; byLayer: MeanAndSe[][] };
  pairs: TokenPairStatistics[];
}

/** "doctor,nurse" → ["doctor", "nurse"]; a comma inside a token is written "\,". */
export function parseTokenPair(text: string): [string, string] {
  const parts: string[] = [""];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\" && text[i + 1] === ",") {
      parts[parts.length - 1] += ",";
      i++;
    } else if (text[i] === ",") parts.push("");
    else parts[parts.length - 1] += text[i];
  }
  const tokens = parts.map((p) => p.trim());
  if (tokens.length !== 2 || tokens.some((t) => t === "")) {
    throw new Error(`token pair "${text}": expected two tokens "from,to" (how much "from" attends to "to"; write a comma inside a token as \\,)`);
  }
  return [tokens[0], tokens[1]];
}

/** A token as pairs match it: words with the byte-level "Ġ" (leading space) removed, as the attention views show them; entity names as they are. */
export function tokenPairKey(token: string, isWord: boolean): string {
  return isWord ? prettifyToken(token) : token;
}

function grid<T>(a: number, b: number, f: (i: number, j: number) => T): T[][] {
  return Array.from({ length: a }, (_, i) => Array.from({ length: b }, (_, j) => f(i, j)));
}

/**
 * Accumulates the statistics one example at a time (`add`), then `result()`. Every example must have
 * the first one's layers and heads; a different shape is reported as records of another model.
 */
export class AttentionStatsBuilder {
  readonly bins: PositionBin[];
  readonly distanceUnit: DistanceUnit;
  readonly pairs: [string, string][];
  readonly duplicates: PairDuplicateMode;
  readonly ignoreCase: boolean;
  readonly entity: number;
  private first?: { where: string; layers: number; heads: number };
  private count = 0;
  private position?: { byHead: Welford; byLayer: Welford };
  private targets?: { byHead: Welford; byLayer: Welford };
  private pairStats: { byHead: Welford; byLayer: Welford; matches: TokenPairMatch[]; lacking: number }[] = [];
  private readonly sources: { source: string; examples: number }[] = [];

  constructor(options: AttentionStatsOptions = {}) {
    this.bins = typeof options.bins === "string" ? parsePositionBins(options.bins) : checkPositionBins(options.bins ?? DEFAULT_POSITION_BINS);
    this.distanceUnit = options.distanceUnit ?? "token";
    if (!DISTANCE_UNITS.includes(this.distanceUnit)) throw new Error(`distanceUnit: "${this.distanceUnit}" is not one of ${DISTANCE_UNITS.join(", ")}`);
    this.pairs = (options.pairs ?? []).map((p) => (typeof p === "string" ? parseTokenPair(p) : [p[0], p[1]]));
    this.duplicates = options.duplicates ?? "mean";
    if (!PAIR_DUPLICATE_MODES.includes(this.duplicates)) throw new Error(`duplicates: "${this.duplicates}" is not one of ${PAIR_DUPLICATE_MODES.join(", ")}`);
    this.ignoreCase = options.ignoreCase ?? false;
    this.entity = options.entity ?? 0;
    if (!Number.isInteger(this.entity) || this.entity < 0) throw new Error(`entity: ${this.entity} is not an entity index (0 is the first entity)`);
  }

  /** Counts the next examples under `source` (a file name) in `sources`. */
  startSource(source: string): void {
    this.sources.push({ source, examples: 0 });
  }

  add(ex: AttentionExample): void {
    const { layers: L, heads: H } = ex;
    if (!this.first) {
      this.first = { where: ex.where, layers: L, heads: H };
      const B = this.bins.length;
      const C = MASK_TARGET_CATEGORIES.length;
      this.position = { byHead: new Welford(L * H * B), byLayer: new Welford(L * B) };
      this.targets = { byHead: new Welford(L * H * C), byLayer: new Welford(L * C) };
      this.pairStats = this.pairs.map(() => ({ byHead: new Welford(L * H), byLayer: new Welford(L), matches: [], lacking: 0 }));
    } else if (L !== this.first.layers || H !== this.first.heads) {
      throw new Error(
        `${ex.where}: ${L} layers × ${H} heads, but ${this.first.where} has ${this.first.layers} layers × ${this.first.heads} heads: ` +
          "these records come from different models; analyse each model's records separately",
      );
    }
    if (this.entity >= ex.entityCount) throw new Error(`${ex.where}: has ${ex.entityCount} entities, no entity ${this.entity} to study`);
    const S = ex.tokens.length;
    const query = ex.wordCount + this.entity;
    const positions = mentionPositions(ex.tokens, ex.wordCount, ex.entitySpans[this.entity], this.distanceUnit);
    const binOf = positionBinIndices(positions, this.bins);
    const categoryIndex = new Map<MaskTargetCategory, number>(MASK_TARGET_CATEGORIES.map((c, i) => [c.category, i]));
    const catOf = positions.category.map((c) => categoryIndex.get(c)!);
    this.accumulate(ex, query, binOf, this.bins.length, this.position!);
    this.accumulate(ex, query, catOf, MASK_TARGET_CATEGORIES.length, this.targets!);

    this.pairs.forEach(([from, to], p) => {
      const acc = this.pairStats[p];
      const norm = (t: string) => (this.ignoreCase ? t.toLowerCase() : t);
      const names = ex.tokens.map((t, k) => norm(tokenPairKey(t, k < ex.wordCount)));
      const find = (name: string) => names.flatMap((t, k) => (t === norm(name) ? [k] : []));
      let a = find(from);
      let b = find(to);
      if (a.length === 0 || b.length === 0) {
        acc.lacking++;
        return;
      }
      acc.matches.push({ where: ex.where, index: ex.index, sentence: ex.sentence, from: a, to: b });
      if (this.duplicates === "first") [a, b] = [[a[0]], [b[0]]];
      else if (this.duplicates === "last") [a, b] = [[a[a.length - 1]], [b[b.length - 1]]];
      for (let l = 0; l < L; l++) {
        let headSum = 0;
        for (let h = 0; h < H; h++) {
          const base = (l * H + h) * S;
          let v = 0;
          for (const i of a) for (const j of b) v += ex.attention[(base + i) * S + j];
          v /= a.length * b.length;
          acc.byHead.add(l * H + h, v);
          headSum += v;
        }
        acc.byLayer.add(l, headSum / H);
      }
    });
    this.count++;
    if (this.sources.length) this.sources[this.sources.length - 1].examples++;
  }

  /** Per layer and head: the sum of the query row over the keys of each group (−1: none); examples without a key in a group skip it. */
  private accumulate(ex: AttentionExample, query: number, groupOf: number[], G: number, acc: { byHead: Welford; byLayer: Welford }): void {
    const { layers: L, heads: H } = ex;
    const S = ex.tokens.length;
    const present = new Array<boolean>(G).fill(false);
    for (const g of groupOf) if (g >= 0) present[g] = true;
    const sums = new Float64Array(G);
    const headMean = new Float64Array(G);
    for (let l = 0; l < L; l++) {
      headMean.fill(0);
      for (let h = 0; h < H; h++) {
        sums.fill(0);
        const row = ((l * H + h) * S + query) * S;
        for (let k = 0; k < S; k++) if (groupOf[k] >= 0) sums[groupOf[k]] += ex.attention[row + k];
        for (let g = 0; g < G; g++) {
          if (!present[g]) continue;
          acc.byHead.add((l * H + h) * G + g, sums[g]);
          headMean[g] += sums[g] / H;
        }
      }
      for (let g = 0; g < G; g++) if (present[g]) acc.byLayer.add(l * G + g, headMean[g]);
    }
  }

  result(): AttentionStatistics {
    if (!this.first) throw new Error("no examples: the attention records are empty (nothing to analyse)");
    const { layers: L, heads: H } = this.first;
    const B = this.bins.length;
    const C = MASK_TARGET_CATEGORIES.length;
    const cells = (w: Welford, G: number) => ({
      byHead: grid(L, H, (l, h) => Array.from({ length: G }, (_, g) => w.get((l * H + h) * G + g))),
      byLayer: Array.from({ length: L }, (_, l) => Array.from({ length: G }, (_, g) => w.get(l * G + g))),
    });
    const pos = this.position!;
    const tar = this.targets!;
    return {
      layers: L,
      heads: H,
      examples: this.count,
      sources: this.sources.map((s) => ({ ...s })),
      entity: this.entity,
      bins: this.bins,
      distanceUnit: this.distanceUnit,
      duplicates: this.duplicates,
      ignoreCase: this.ignoreCase,
      position: { byHead: cells(pos.byHead, B).byHead, byLayer: cells(pos.byLayer, B).byLayer },
      targets: { byHead: cells(tar.byHead, C).byHead, byLayer: cells(tar.byLayer, C).byLayer },
      pairs: this.pairs.map(([from, to], p) => {
        const s = this.pairStats[p];
        return {
          from,
          to,
          byHead: grid(L, H, (l, h) => s.byHead.get(l * H + h)),
          byLayer: Array.from({ length: L }, (_, l) => s.byLayer.get(l)),
          matches: s.matches,
          lacking: s.lacking,
        };
      }),
    };
  }
}

/** One input: an attentions file, a parsed record, a forward result or an example already made. */
export type AttentionStatsInput = string | AttentionRecord | ForwardWithAttentions | AttentionExample;
export type AttentionStatsSource = AttentionStatsInput | readonly AttentionStatsInput[] | AsyncIterable<AttentionExample>;

function isExample(x: object): x is AttentionExample {
  return "attention" in x && (x as AttentionExample).attention instanceof Float32Array;
}
function isRecord(x: object): x is AttentionRecord {
  return "data" in x && "shape" in x;
}
function isForward(x: object): x is ForwardWithAttentions {
  return "tokens" in x && "entityPositionIds" in x;
}

/**
 * The statistics over attention records or forward results: file paths (attentions_dev.jsonl …),
 * parsed records, results of `luke.forward(inputs, { attentions: true })`, or a mix.
 */
export async function computeAttentionStatistics(source: AttentionStatsSource, options: AttentionStatsOptions = {}): Promise<AttentionStatistics> {
  const builder = new AttentionStatsBuilder(options);
  if (typeof source === "object" && source !== null && Symbol.asyncIterator in source) {
    builder.startSource("examples");
    for await (const ex of source as AsyncIterable<AttentionExample>) builder.add(ex);
    return builder.result();
  }
  const inputs: readonly AttentionStatsInput[] = Array.isArray(source) ? source : [source as AttentionStatsInput];
  let lastKind = "";
  let forwardIndex = 0;
  let recordIndex = 0;
  const group = (kind: string) => {
    if (kind !== lastKind) builder.startSource(kind);
    lastKind = kind;
  };
  for (const input of inputs) {
    if (typeof input === "string") {
      lastKind = "";
      builder.startSource(input);
      for await (const ex of readAttentionRecords(input)) builder.add(ex);
    } else if (typeof input !== "object" || input === null) {
      throw new Error(`attention statistics: ${String(input)} is not a file name, an attention record or a forward result`);
    } else if (isExample(input)) {
      group("examples");
      builder.add(input);
    } else if (isRecord(input)) {
      group("records");
      builder.add(attentionExampleFromRecord(input, `record ${recordIndex++}`));
    } else if (isForward(input)) {
      group("forward results");
      builder.add(attentionExampleFromForward(input, forwardIndex++, options));
    } else {
      throw new Error("attention statistics: an input is neither a file name, an attention record nor a forward result (keys: " + Object.keys(input).join(", ") + ")");
    }
  }
  return builder.result();
}
