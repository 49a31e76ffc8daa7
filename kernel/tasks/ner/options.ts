/**
 * The options of `lukelab ner run`: entity typing's option table (the optimiser, the run folder,
 * resume, the model source; kernel/tasks/entity-typing/options.ts) with NER's defaults as upstream
 * LUKE's NER example sets them, plus its three input limits. Options of entity typing that have no
 * meaning for NER (--context-window, --output-attentions) are left out.
 */
import { createHash } from "node:crypto";
import {
  DEFAULT_OPTIONS,
  OPTION_SPECS,
  logParameters,
  resolveOptions,
  runFingerprint,
  type EntityTypingOptions,
  type OptionSpec,
} from "../entity-typing/options";
import { DEFAULT_SPAN_OPTIONS, type SpanOptions } from "./inputs";

export type NerOptions = Omit<EntityTypingOptions, "contextWindow" | "outputAttentions"> & SpanOptions;

const LEFT_OUT = new Set<string>(["contextWindow", "outputAttentions"]);

/** NER's own options (typed loosely: the table's key type is entity typing's). */
const SPAN_SPECS = [
  { key: "maxSeqLength", flags: ["--max-seq-length"], kind: "int", log: "max_seq_length", group: "run", help: "longest input in subwords, <s> and </s> included; the sentence gets document context up to it (capped by the model's position table)" },
  { key: "maxEntityLength", flags: ["--max-entity-length"], kind: "int", log: "max_entity_length", group: "run", help: "most candidate spans in one input; sentences with more are split into equal chunks" },
  { key: "maxMentionLength", flags: ["--max-mention-length"], kind: "int", log: "max_mention_length", group: "run", help: "longest candidate span, in subwords" },
] as unknown as OptionSpec[];

export const NER_OPTION_SPECS: readonly OptionSpec[] = [
  ...OPTION_SPECS.filter((s) => !LEFT_OUT.has(s.key)).map((s) =>
    s.key === "dataDir" ? { ...s, help: "folder with eng.train, eng.testa (dev) and eng.testb (test), CoNLL-2003 format" } : s,
  ),
  ...SPAN_SPECS,
];

/** Upstream's NER defaults (examples/ner: 5 epochs, batch 2 × 2 accumulation, lr 1e-5), no evaluation before training. */
export const NER_DEFAULTS: Omit<NerOptions, "outputDir"> = {
  ...(DEFAULT_OPTIONS as Omit<NerOptions, "outputDir" | keyof SpanOptions>),
  dataDir: "data/conll_2003",
  numTrainEpochs: 5,
  trainBatchSize: 2,
  gradientAccumulationSteps: 2,
  learningRate: 1e-5,
  doEvaluatePriorTrain: false,
  ...DEFAULT_SPAN_OPTIONS,
};

/** What identifies an NER run: entity typing's fingerprint of the shared options, the task and the limits. */
export function nerFingerprint(options: Omit<NerOptions, "outputDir">): Record<string, unknown> {
  return {
    task: "ner",
    ...runFingerprint(options as unknown as Omit<EntityTypingOptions, "outputDir">),
    max_seq_length: options.maxSeqLength,
    max_entity_length: options.maxEntityLength,
    max_mention_length: options.maxMentionLength,
  };
}

/** Fills NER's defaults and checks every option (entity typing's checks, then the limits). */
export function resolveNerOptions(partial: Partial<NerOptions>): NerOptions {
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<NerOptions>;
  const merged = { ...NER_DEFAULTS, ...given } as Omit<NerOptions, "outputDir"> & { outputDir?: string };
  for (const [key, flag, min] of [["maxSeqLength", "--max-seq-length", 3], ["maxEntityLength", "--max-entity-length", 1], ["maxMentionLength", "--max-mention-length", 1]] as const) {
    const v = merged[key];
    if (!Number.isInteger(v) || v < min) throw Object.assign(new Error(`${flag} must be an integer ≥ ${min}, got ${v}`), { code: "ERR_PARSE_ARGS_NER" });
  }
  let outputDir = merged.outputDir;
  if (outputDir === undefined) {
    const digest = createHash("sha256").update(JSON.stringify(nerFingerprint(merged))).digest();
    outputDir = "ner_" + Array.from(digest.subarray(0, 8), (b) => String.fromCharCode(97 + (b % 26))).join("");
  }
  const { maxSeqLength, maxEntityLength, maxMentionLength, ...shared } = merged;
  const resolved = resolveOptions({ ...(shared as Partial<EntityTypingOptions>), outputDir });
  return { ...resolved, maxSeqLength, maxEntityLength, maxMentionLength } as NerOptions;
}

/** log_parameters of results.json: entity typing's plus the limits. */
export function nerLogParameters(options: NerOptions): Record<string, unknown> {
  const out = logParameters(options as unknown as EntityTypingOptions);
  for (const k of LEFT_OUT) delete out[k === "contextWindow" ? "context_window" : "output_attentions"];
  return { ...out, max_seq_length: options.maxSeqLength, max_entity_length: options.maxEntityLength, max_mention_length: options.maxMentionLength };
}
