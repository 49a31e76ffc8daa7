/**
 * Byte-pair merges of one byte-level word, exactly as transformers' slow GPT-2/LUKE tokenizer does.
 *
 * Why our own and not @huggingface/tokenizers' BPE model: see the note in luke-tokenizer.ts (its
 * pre-tokenizer cannot reproduce the reference; its BPE gave the same tokens but was 2-4× slower).
 * The algorithm is the reference's: repeatedly take the adjacent pair with the lowest merge rank and
 * merge every occurrence of it, left to right, until no pair has a rank.
 */

/** Caps the per-word cache; the reference's is unbounded, which a long-lived notebook kernel should not be. */
const CACHE_LIMIT = 200_000;

export class BytePairEncoder {
  /** "left right" → rank; a later duplicate line wins, as in the reference's dict(zip(merges, range)). */
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();

  constructor(merges: ReadonlyArray<readonly [string, string]>) {
    merges.forEach(([a, b], rank) => this.ranks.set(a + " " + b, rank));
  }

  /** The merges, in rank order, without duplicates (what merges.txt gets on save). */
  mergesInRankOrder(): Array<[string, string]> {
    return [...this.ranks.entries()]
      .sort((x, y) => x[1] - y[1])
      .map(([key]) => {
        const i = key.indexOf(" ");
        return [key.slice(0, i), key.slice(i + 1)] as [string, string];
      });
  }

  /** BPE pieces of one byte-level word (no spaces inside; byte-level characters are all in the BMP). */
  encodeWord(word: string): string[] {
    const hit = this.cache.get(word);
    if (hit !== undefined) return hit;
    const pieces = this.merge(word);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, pieces);
    return pieces;
  }

  private merge(word: string): string[] {
    let symbols = word.split("");
    while (symbols.length > 1) {
      let best = Infinity;
      let bestLeft = "";
      let bestRight = "";
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(symbols[i] + " " + symbols[i + 1]);
        if (rank !== undefined && rank < best) {
          best = rank;
          bestLeft = symbols[i];
          bestRight = symbols[i + 1];
        }
      }
      if (best === Infinity) break;
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === bestLeft && symbols[i + 1] === bestRight) {
          merged.push(bestLeft + bestRight);
          i++;
        } else {
          merged.push(symbols[i]);
        }
      }
      symbols = merged;
    }
    return symbols;
  }
}
