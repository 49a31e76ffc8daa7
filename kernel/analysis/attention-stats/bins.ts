/**
 * Where a word token sits relative to an entity's mention, and the distance bins the position
 * statistics sum attention over.
 *
 * Every word token of an example falls in exactly one category (entity tokens are a category of
 * their own): `<s>` and `</s>`, the entity markers (`<ent>`, `<ent2>`), the mention's words (between
 * the markers) and the other words. Only the mention's words and the other words have a position:
 * distances count the other words (tokens, or whole words) between a word and the mention, skipping
 * `<s>`, `</s>` and markers, so the word right before the opening marker is −1 and the word right
 * after the closing one +1.
 */

/** Word tokens that mark a mention in LUKE's input (the tokenizer's additional special tokens). */
export const ENTITY_MARKER_TOKENS: ReadonlySet<string> = new Set(["<ent>", "<ent2>"]);
/** The sequence's start and end tokens (RoBERTa's). */
export const SEQUENCE_START_TOKEN = "<s>";
export const SEQUENCE_END_TOKEN = "</s>";

/** What a key token is, as seen from one entity. */
export type MaskTargetCategory = "start" | "end" | "marker" | "mention" | "context" | "entity";

/** The categories in table and figure order, with the names the tables use. */
export const MASK_TARGET_CATEGORIES: readonly { category: MaskTargetCategory; name: string }[] = [
  { category: "marker", name: "entity markers" },
  { category: "mention", name: "mention words" },
  { category: "start", name: "<s>" },
  { category: "end", name: "</s>" },
  { category: "context", name: "other words" },
  { category: "entity", name: "entity tokens" },
];

/**
 * A distance bin: the words whose signed distance to the mention lies in [from, to] (both
 * included; −Infinity and Infinity allowed at the ends), or the mention's own words ("inside").
 */
export type PositionBin = { kind: "inside"; label: string } | { kind: "distance"; from: number; to: number; label: string };

/** A distance bin from its ends; the label is made from them ("-10..-6", "-2", "<=-11", ">=11"). */
export function positionBin(from: number, to: number): PositionBin {
  const label =
    from === to ? signed(from) : from === -Infinity ? `<=${signed(to)}` : to === Infinity ? `>=${signed(from)}` : `${signed(from)}..${signed(to)}`;
  return { kind: "distance", from, to, label };
}

function signed(v: number): string {
  return v > 0 ? `+${v}` : String(v);
}

export const MENTION_BIN: PositionBin = { kind: "inside", label: "mention" };

/**
 * The default bins: before the mention ≤−11, −10..−6, −5..−3, −2, −1; the mention's words; after
 * it +1, +2, +3..+5, +6..+10, ≥+11. Single positions near the mention, wider bins further away,
 * where there are fewer examples with a word at that distance.
 */
export const DEFAULT_POSITION_BINS: readonly PositionBin[] = [
  positionBin(-Infinity, -11),
  positionBin(-10, -6),
  positionBin(-5, -3),
  positionBin(-2, -2),
  positionBin(-1, -1),
  MENTION_BIN,
  positionBin(1, 1),
  positionBin(2, 2),
  positionBin(3, 5),
  positionBin(6, 10),
  positionBin(11, Infinity),
];

/**
 * Checks a list of bins: integer (or infinite) ends, from ≤ to, each wholly before (< 0) or after
 * (> 0) the mention, no overlaps, at most one "inside". Returns them sorted (before, inside, after);
 * throws naming the bad bin. Gaps are allowed: words in no bin are left out.
 */
export function checkPositionBins(bins: readonly PositionBin[]): PositionBin[] {
  if (bins.length === 0) throw new Error("position bins: give at least one bin");
  const isEnd = (v: number) => Number.isInteger(v) || v === Infinity || v === -Infinity;
  let inside = 0;
  for (const b of bins) {
    if (b.kind === "inside") {
      if (++inside > 1) throw new Error('position bins: "inside" (the mention) is given twice');
      continue;
    }
    if (!isEnd(b.from) || !isEnd(b.to)) throw new Error(`position bin ${b.label}: ends must be whole numbers or ±inf`);
    if (b.from > b.to) throw new Error(`position bin ${b.label}: from (${b.from}) is after to (${b.to})`);
    if (b.from <= 0 && b.to >= 0) throw new Error(`position bin ${b.label}: must lie wholly before (< 0) or after (> 0) the mention; distance 0 is the mention ("inside")`);
  }
  const key = (b: PositionBin) => (b.kind === "inside" ? 0 : b.from);
  const sorted = [...bins].sort((a, b) => key(a) - key(b));
  const ranges = sorted.filter((b): b is Extract<PositionBin, { kind: "distance" }> => b.kind === "distance");
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i].from <= ranges[i - 1].to) throw new Error(`position bins ${ranges[i - 1].label} and ${ranges[i].label} overlap`);
  }
  return sorted;
}

/**
 * Bins from the command line: comma-separated items, each "inside", a distance "k", or a range
 * "a..b" where a or b may be "-inf"/"inf" (e.g. "-inf..-11,-10..-6,-5..-3,-2,-1,inside,1,2,3..5,6..10,11..inf").
 * "inside" is added when missing. Throws naming the bad item.
 */
export function parsePositionBins(text: string): PositionBin[] {
  const end = (s: string, item: string): number => {
    const t = s.trim().toLowerCase();
    if (t === "inf" || t === "+inf") return Infinity;
    if (t === "-inf") return -Infinity;
    if (!/^[+-]?\d+$/.test(t)) throw new Error(`position bins: "${item}" is not a distance "k", a range "a..b" or "inside" (ends are whole numbers or ±inf)`);
    return Number(t);
  };
  const bins: PositionBin[] = [];
  for (const raw of text.split(",")) {
    const item = raw.trim();
    if (item === "") throw new Error(`position bins: empty item in "${text}"`);
    if (item.toLowerCase() === "inside" || item.toLowerCase() === "mention") bins.push(MENTION_BIN);
    else if (item.includes("..")) {
      const [a, b, ...rest] = item.split("..");
      if (rest.length) throw new Error(`position bins: "${item}" has more than one ".."`);
      bins.push(positionBin(end(a, item), end(b, item)));
    } else {
      const k = end(item, item);
      bins.push(positionBin(k, k));
    }
  }
  if (!bins.some((b) => b.kind === "inside")) bins.push(MENTION_BIN);
  return checkPositionBins(bins);
}

/** The bins as the command line takes them (parsePositionBins of this gives the same bins). */
export function formatPositionBins(bins: readonly PositionBin[]): string {
  const end = (v: number) => (v === Infinity ? "inf" : v === -Infinity ? "-inf" : String(v));
  return bins.map((b) => (b.kind === "inside" ? "inside" : b.from === b.to ? end(b.from) : `${end(b.from)}..${end(b.to)}`)).join(",");
}

/**
 * What a distance counts: word tokens (BPE pieces, LUKE's "words"), or whole words, where a piece
 * that does not start with the byte-level space "Ġ" (or SentencePiece's "▁") continues the word before it.
 */
export type DistanceUnit = "token" | "word";
export const DISTANCE_UNITS: readonly DistanceUnit[] = ["token", "word"];

/**
 * Each token's category and signed distance to the mention (NaN where there is none), for an example
 * of `wordCount` words and `tokens.length - wordCount` entities, the mention spanning word positions
 * `span` (markers included, as LUKE's entity_position_ids give it). With unit "word", every piece of a
 * word gets the word's distance.
 */
export function mentionPositions(
  tokens: readonly string[],
  wordCount: number,
  span: readonly number[],
  unit: DistanceUnit = "token",
): { category: MaskTargetCategory[]; distance: number[] } {
  const first = Math.min(...span);
  const last = Math.max(...span);
  const category: MaskTargetCategory[] = tokens.map((t, k) => {
    if (k >= wordCount) return "entity";
    if (t === SEQUENCE_START_TOKEN) return "start";
    if (t === SEQUENCE_END_TOKEN) return "end";
    if (ENTITY_MARKER_TOKENS.has(t)) return "marker";
    return k >= first && k <= last ? "mention" : "context";
  });
  // Word numbers of the context tokens: a new word at every token ("token"), or where a piece starts
  // with a space marker or follows something that is not a context word ("word").
  const word = tokens.map(() => -1);
  let w = -1;
  for (let k = 0; k < wordCount; k++) {
    if (category[k] !== "context") continue;
    const starts = unit === "token" || k === 0 || category[k - 1] !== "context" || /^[Ġ▁]/.test(tokens[k]);
    if (starts) w++;
    word[k] = w;
  }
  const distance = tokens.map(() => NaN);
  const before = [...new Set(word.filter((v, k) => v >= 0 && k < first))].sort((a, b) => b - a);
  const after = [...new Set(word.filter((v, k) => v >= 0 && k > last))].sort((a, b) => a - b);
  word.forEach((v, k) => {
    if (v < 0) return;
    distance[k] = k < first ? -(before.indexOf(v) + 1) : after.indexOf(v) + 1;
  });
  for (let k = first; k <= last; k++) if (category[k] === "mention") distance[k] = 0;
  return { category, distance };
}

/** The index in `bins` of each token (−1: in no bin), from mentionPositions' categories and distances. */
export function positionBinIndices(positions: { category: MaskTargetCategory[]; distance: number[] }, bins: readonly PositionBin[]): number[] {
  return positions.category.map((c, k) => {
    if (c === "mention") return bins.findIndex((b) => b.kind === "inside");
    if (c !== "context") return -1;
    const d = positions.distance[k];
    return bins.findIndex((b) => b.kind === "distance" && d >= b.from && d <= b.to);
  });
}
