/**
 * Added (special) tokens such as <s>, <mask>, <ent>: found in the text before BPE and kept whole,
 * with the reference's whitespace stripping around them (<mask> eats the spaces on its left).
 */
import { pythonLstrip, pythonRstrip } from "./char-classes";

export interface AddedToken {
  content: string;
  id: number;
  /** Strip whitespace on the token's left (the text before it loses its trailing spaces). */
  lstrip: boolean;
  rstrip: boolean;
  singleWord: boolean;
  normalized: boolean;
  special: boolean;
}

/** A piece of text after splitting: either an added token or plain text for BPE. */
export type Fragment = { added: AddedToken } | { text: string };

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export class AddedTokenSplitter {
  private readonly byContent = new Map<string, AddedToken>();
  private readonly pattern: RegExp | null;

  constructor(tokens: Iterable<AddedToken>) {
    for (const t of tokens) if (t.content !== "") this.byContent.set(t.content, t);
    // Longest first, so at one position the longest token wins: the reference's trie finds the
    // earliest match and extends it to the longest.
    const contents = [...this.byContent.keys()].sort((a, b) => b.length - a.length);
    this.pattern = contents.length ? new RegExp(contents.map(escapeRegExp).join("|"), "gu") : null;
  }

  get(content: string): AddedToken | undefined {
    return this.byContent.get(content);
  }

  /** Python PreTrainedTokenizer.tokenize: trie split, then lstrip/rstrip/single_word, then drop empties. */
  split(text: string): Fragment[] {
    const parts: string[] = [];
    if (this.pattern) {
      let last = 0;
      for (const m of text.matchAll(this.pattern)) {
        const at = m.index ?? 0;
        if (at > last) parts.push(text.slice(last, at));
        parts.push(m[0]);
        last = at + m[0].length;
      }
      if (last < text.length) parts.push(text.slice(last));
    } else if (text.length) {
      parts.push(text);
    }
    // Same order of mutation as the reference: each token may rewrite its neighbours in place.
    for (let i = 0; i < parts.length; i++) {
      const tok = this.byContent.get(parts[i]);
      if (!tok) continue;
      const left = i > 0 ? parts[i - 1] : "";
      const right = i + 1 < parts.length ? parts[i + 1] : "";
      if (tok.rstrip && right) parts[i + 1] = pythonLstrip(right);
      if (tok.lstrip && left) parts[i - 1] = pythonRstrip(left);
      if (tok.singleWord && left && left[left.length - 1] !== " ") {
        parts[i - 1] += parts[i];
        parts[i] = "";
      } else if (tok.singleWord && right && right[0] !== " ") {
        parts[i + 1] = parts[i] + parts[i + 1];
        parts[i] = "";
      }
    }
    const out: Fragment[] = [];
    for (const p of parts) {
      if (!p) continue;
      const tok = this.byContent.get(p);
      out.push(tok ? { added: tok } : { text: p });
    }
    return out;
  }
}
