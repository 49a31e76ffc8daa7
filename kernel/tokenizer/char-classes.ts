/**
 * The GPT-2 word splitter and Python's notion of whitespace, with the reference's Unicode tables.
 *
 * Why not `\p{L}`/`\p{N}`/`\s` in a JS RegExp: the reference (transformers' slow LukeTokenizer) uses
 * Python's `regex` module, whose tables are newer than V8's (thousands of letters V8 does not know
 * yet), and whose `\s` differs from JS (U+0085 is a space, U+FEFF is not). The classes below are
 * built from ranges generated from the reference (unicode-tables.ts).
 */
import { letterRanges, numberRanges, pythonSpaceRanges, regexSpaceRanges } from "./unicode-tables";

function parseRanges(flat: string): Array<[number, number]> {
  const nums = flat.split(",").map((h) => parseInt(h, 16));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < nums.length; i += 2) out.push([nums[i], nums[i + 1]]);
  return out;
}

/** The inside of a RegExp character class (for the `u` flag) matching the given ranges. */
function classBody(ranges: Array<[number, number]>): string {
  const esc = (c: number) => `\\u{${c.toString(16)}}`;
  return ranges.map(([a, b]) => (a === b ? esc(a) : `${esc(a)}-${esc(b)}`)).join("");
}

const LETTER = classBody(parseRanges(letterRanges));
const NUMBER = classBody(parseRanges(numberRanges));
const SPACE = classBody(parseRanges(regexSpaceRanges));

/** `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` with the reference's classes. */
export const GPT2_SPLIT_PATTERN = new RegExp(
  `'s|'t|'re|'ve|'m|'ll|'d| ?[${LETTER}]+| ?[${NUMBER}]+| ?[^${SPACE}${LETTER}${NUMBER}]+` +
    `|[${SPACE}]+(?![^${SPACE}])|[${SPACE}]+`,
  "gu",
);

/** Splits text into the words that BPE then encodes one by one (Python: `re.findall(pat, text)`). */
export function splitWords(text: string): string[] {
  return text.match(GPT2_SPLIT_PATTERN) ?? [];
}

// Python's str.isspace: a handful of code points, all in the BMP, so a Set of UTF-16 units suffices.
const PYTHON_SPACES = new Set<number>();
for (const [a, b] of parseRanges(pythonSpaceRanges)) for (let c = a; c <= b; c++) PYTHON_SPACES.add(c);

/** Python's `str.isspace()` for one character (code unit); the test checks the table against Python. */
export function isPythonSpace(codeUnit: number): boolean {
  return PYTHON_SPACES.has(codeUnit);
}

/** Python's `s.rstrip()` (which strips str.isspace characters, not JS's trimEnd set). */
export function pythonRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && isPythonSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(0, end);
}

/** Python's `s.lstrip()`. */
export function pythonLstrip(s: string): string {
  let start = 0;
  while (start < s.length && isPythonSpace(s.charCodeAt(start))) start++;
  return s.slice(start);
}

/** Python's `s.split()`: fields separated by runs of str.isspace characters. */
export function pythonSplit(s: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= s.length; i++) {
    const space = i === s.length || isPythonSpace(s.charCodeAt(i));
    if (space && start >= 0) {
      out.push(s.slice(start, i));
      start = -1;
    } else if (!space && start < 0) {
      start = i;
    }
  }
  return out;
}
