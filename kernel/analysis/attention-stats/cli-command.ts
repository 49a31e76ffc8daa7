/**
 * `lukelab analyze attention --records FILE.jsonl [--records …] --output-dir OUT [--bins …]
 * [--distance-unit token|word] [--pair "tok1,tok2"]… [--duplicates mean|first|last] [--ignore-case] [--entity N] [--no-html]`:
 * attention statistics over the attention records of runs (entity-typing run --output-attentions).
 * Everything is read and computed before anything is written, so bad input writes nothing.
 */
import { isAbsolute, join, relative, resolve } from "node:path";
import { parseCommandLine } from "../../io/command-line";
import { DEFAULT_POSITION_BINS, DISTANCE_UNITS, formatPositionBins, parsePositionBins, type DistanceUnit } from "./bins";
import { attentionStatistics, writeAttentionReport } from "./report";
import { PAIR_DUPLICATE_MODES, parseTokenPair, type PairDuplicateMode } from "./stats";

export const USAGE = `lukelab analyze attention --records FILE.jsonl [--records FILE.jsonl …] --output-dir OUT
                          [--bins SPEC] [--distance-unit token|word] [--pair "FROM,TO"]…
                          [--duplicates mean|first|last] [--ignore-case] [--entity N] [--no-html]
      What the [MASK] entity attends to, over every example of the attention records
      (attentions_dev.jsonl / attentions_test.jsonl of \`lukelab entity-typing run --output-attentions\`),
      as mean ± standard error over examples, per layer and per head. Writes to OUT:
        tables/position_bins.csv, position_bins_by_head.csv   attention to the words by distance to the mention
        tables/mask_targets.csv, mask_targets_by_head.csv     attention to the markers, the mention's words, <s>, </s>, …
        tables/token_pair_K_FROM_TO.csv, …_by_head.csv, …_examples.csv   with --pair
        figures/*.svg (static images), figures/*.html (Plotly, offline; not with --no-html), summary.json

Options:
  --records FILE     an attentions_*.jsonl file; repeat for several (all from the same model)
  --output-dir OUT   where the tables and figures go
  --bins SPEC        distance bins, comma-separated: "k", "a..b" (ends included, ±inf allowed) or "inside"
                     (the mention's words); −1 is the word just before the opening marker, +1 the one after the
                     closing marker (markers, <s> and </s> are skipped)
                     [default: ${formatPositionBins(DEFAULT_POSITION_BINS)}]
  --distance-unit U  what distances count: token (word tokens, BPE pieces) or word (whole words: a piece
                     without a leading "Ġ" continues the word before it) [default: token]
  --pair "FROM,TO"   token-to-token attention (how much FROM attends to TO) across layers, over the examples
                     that have both tokens; tokens as shown, without the byte-level "Ġ" (e.g. "doctor,nurse",
                     "[MASK],<ent>"); a comma inside a token is "\\,"; repeat for several pairs
  --duplicates MODE  a token that occurs more than once in an example: mean (every occurrence pair
                     averaged), first or last (the original used the last) [default: mean]
  --ignore-case      match --pair tokens ignoring case (default: exact and case-sensitive, as the original)
  --entity N         whose query row to study: entity N of each example [default: 0, the [MASK] entity]
  --no-html          no HTML pages (the SVG images and CSV tables are still written)
  -h, --help         this text

See docs/attention-statistics.md for the exact definitions.
`;

/** A command-line mistake: the CLI prints it with a pointer to the usage and exits with 2. */
export class AttentionUsageError extends Error {
  readonly code = "ERR_PARSE_ARGS_ATTENTION";
}

/** Options whose values may start with a dash: "--bins -inf..-11,…", "--pair -,the". */
const DASH_VALUES = new Set(["--bins", "--pair"]);

/** `--bins -2,-1` as `--bins=-2,-1`, which parseArgs would otherwise take for an option. */
function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (DASH_VALUES.has(argv[i]) && i + 1 < argv.length && argv[i + 1].startsWith("-") && !argv[i + 1].startsWith("--")) out.push(`${argv[i]}=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

/** Runs the subcommand; returns the process exit code. */
export async function command(argv: readonly string[]): Promise<number> {
  const values = parseCommandLine(joinDashValues(argv), {
    strings: ["output-dir", "bins"],
    flags: ["ignore-case", "no-html"],
    options: {
      records: { type: "string", multiple: true },
      "distance-unit": { type: "string", default: "token" },
      pair: { type: "string", multiple: true },
      duplicates: { type: "string", default: "mean" },
      entity: { type: "string", default: "0" },
    },
    usage: USAGE,
    error: AttentionUsageError,
  });
  if (!values) return 0;
  const records = values.records ?? [];
  const outputDir = values["output-dir"];
  if (records.length === 0) throw new AttentionUsageError("--records is required (an attentions_dev.jsonl or attentions_test.jsonl of entity-typing run --output-attentions)");
  if (!outputDir) throw new AttentionUsageError("--output-dir is required");
  const usage = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw new AttentionUsageError((err as Error).message);
    }
  };
  const bins = values.bins === undefined ? undefined : usage(() => parsePositionBins(values.bins!));
  const pairs = usage(() => (values.pair ?? []).map(parseTokenPair));
  const duplicates = values.duplicates as PairDuplicateMode;
  if (!PAIR_DUPLICATE_MODES.includes(duplicates)) throw new AttentionUsageError(`--duplicates must be one of ${PAIR_DUPLICATE_MODES.join(", ")}, got ${values.duplicates}`);
  const distanceUnit = values["distance-unit"] as DistanceUnit;
  if (!DISTANCE_UNITS.includes(distanceUnit)) throw new AttentionUsageError(`--distance-unit must be one of ${DISTANCE_UNITS.join(", ")}, got ${values["distance-unit"]}`);
  const entity = Number(values.entity);
  if (!Number.isInteger(entity) || entity < 0) throw new AttentionUsageError(`--entity must be a whole number ≥ 0, got ${values.entity}`);

  const report = await attentionStatistics(records, { bins, distanceUnit, pairs, duplicates, ignoreCase: values["ignore-case"], entity });
  const written = writeAttentionReport(report, outputDir, { html: !values["no-html"] });
  const lines = [
    `analysed ${report.examples} example${report.examples === 1 ? "" : "s"} (${report.layers} layers × ${report.heads} heads) from ${report.sources.map((s) => `${s.source} (${s.examples})`).join(", ")}`,
  ];
  for (const p of report.pairs) lines.push(`token pair ${p.from} → ${p.to}: in ${p.matches.length} of ${report.examples} examples`);
  const rel = relative(process.cwd(), outputDir);
  const shown = rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? resolve(outputDir) : rel;
  lines.push(`CSV tables: ${written.csv.length} in ${join(shown, "tables")}`);
  lines.push(`figures: ${written.svg.length} SVG${written.html.length ? `, ${written.html.length} HTML` : ""} in ${join(shown, "figures")}`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}
