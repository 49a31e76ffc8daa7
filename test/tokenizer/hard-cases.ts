/** Hard strings for comparing with transformers, with spans found by substring (in code points). */
import type { EncodeInput, LukeTask } from "../../kernel/tokenizer";

/** [start, end) in code points of the `nth` occurrence of `sub` in `text`. */
export function cpSpan(text: string, sub: string, nth = 0): [number, number] {
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = text.indexOf(sub, at + 1);
    if (at < 0) throw new Error(`test case: ${JSON.stringify(sub)} (#${nth}) not in ${JSON.stringify(text)}`);
  }
  const start = Array.from(text.slice(0, at)).length;
  return [start, start + Array.from(sub).length];
}

function c(text: string, ...subs: Array<string | [string, number] | [number, number]>): { text: string; spans: [number, number][] } {
  return {
    text,
    spans: subs.map((s) =>
      typeof s === "string" ? cpSpan(text, s) : typeof s[0] === "number" ? (s as [number, number]) : cpSpan(text, s[0] as string, s[1] as number),
    ),
  };
}

export const HARD_CASES: Array<{ text: string; spans: [number, number][] }> = [
  c("  Ana   Ivanovic  said  ", "Ana", "Ivanovic", "said"),
  c('Hello, (Beyoncé)! She\'s "Los Angeles"-based.', "Beyoncé", "Los Angeles", "She"),
  c("Crème brûlée at Café Müller — naïve façade.", "Crème brûlée", "Café Müller", "façade"),
  c("I 👍🏽 Ana Ivanovic 👍🏽. Great 👨‍👩‍👧 family!", "Ana Ivanovic", ["👍🏽", 1], "family", "👨‍👩‍👧"),
  c("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 text 𠀀𠀁 and 𰀀𱍐 then \u{31350}\u{2EBF0}\u{323B0} end", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𠀀𠀁", "𱍐", "\u{2EBF0}\u{323B0}", "end"),
  // Letters and numbers that Python's regex module knows and V8 (Node 20) does not.
  c("Armenian \u0558x and sub\u208F and \uA7DD and num \u{1246F}5 ok", "\u0558x", "sub\u208F", "\uA7DD", "\u{1246F}5"),
  c("a\u0085b \ufeffc\u3000d\u00a0e \u2028f", "b", "\ufeffc", "d", "f"),
  c("Ana went home", "Ana", "home"),
  c("<mask> is <mask>  here <mask>", "is", "here", ["<mask>", 2]),
  c("Line one\nLine\ttwo\r\n  three\n\nfour\t", "Line\ttwo", "three", "\nfour"),
  c("Ana's book isn't Thursday's; they'll see.", "Ana", "Thursday", "they"),
  c("Numbers 2019, 3.5% and 1,000,000 ٣٤ Ⅻ.", "2019", "3.5%", "٣٤", "Ⅻ"),
  c("a  b   c", "b", "c"),
  c("New York City is big", [0, 8], [4, 13], [0, 8], [9, 9], "big"),
  c("<ent> literal and <ent2> literal <s> end</s>", "literal", ["literal", 1], "end"),
  c("", [0, 0]),
  c("Supercalifragilisticexpialidocious antidisestablishmentarianism", "Supercalifragilisticexpialidocious", "antidisestablishmentarianism"),
  c("     ", [2, 3]),
  c("unbelievable", [2, 9]),
  c("He said: '...' -- and then?!", "said", "'...'", "--", "?!"),
  c("Ana Ivanovic", [0, 12]),
];

export const TASKS: LukeTask[] = [null, "entity_classification", "entity_pair_classification", "entity_span_classification"];

const TITLES = ["Ana Ivanovic", "Thursday", "Nobody Known", "[MASK]", "Los Angeles"];

/** The input one task takes from a case, or null when the case has too few spans for it. */
export function inputFor(task: LukeTask, hard: { text: string; spans: [number, number][] }, withTitles = false): EncodeInput | null {
  const { text, spans } = hard;
  if (task === "entity_classification") return spans.length >= 1 ? { text, spans: spans.slice(0, 1) } : null;
  if (task === "entity_pair_classification") return spans.length >= 2 ? { text, spans: spans.slice(0, 2) } : null;
  if (task === "entity_span_classification") return spans.length >= 1 ? { text, spans } : null;
  return withTitles ? { text, spans, entities: spans.map((_, i) => TITLES[i % TITLES.length]) } : { text, spans };
}
