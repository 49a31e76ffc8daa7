/** What the CLI's commands do, as functions that tests and notebooks can call directly. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initBackend, tf } from "./backend";
import { loadOriginalLukeArchive, saveHfCheckpoint } from "./checkpoint";
import { InputError, parseForwardInput, readJsonl } from "./data/jsonl";
import type { ForwardInput, Numbered } from "./data/jsonl";
import { resolveModelPath } from "./hub";
import { loadLuke } from "./inference/luke";
import type { ForwardResult, Luke } from "./inference/luke";
import { folderModelType, loadWordModel, type WordForwardResult, type WordModelRunner } from "./inference/word-models";
import { WORD_MODEL_TYPES } from "./model";
import { AtomicFileWriter } from "./io/atomic";
import { LukeTokenizer } from "./tokenizer";
import type { LukeTask } from "./tokenizer";

/** What forward and predict both take: the model (folder or Hub id), the JSON-lines input, the batch size. */
export interface ModelInputCommand {
  model: string;
  input: string;
  batchSize?: number;
}

export interface ForwardCommand extends ModelInputCommand {
  output: string;
  attentions?: boolean;
  hiddenStates?: boolean;
  maxLength?: number;
}

/**
 * `lukelab forward`: one output line per input line, in transformers' snake_case names. A BERT,
 * RoBERTa or GPT-2 folder (config.json `model_type`) runs as such, on inputs without spans.
 */
export async function runForward(cmd: ForwardCommand): Promise<number> {
  const inputs = readJsonl(cmd.input, parseForwardInput);
  const dir = await resolveModelPath(cmd.model);
  if ((WORD_MODEL_TYPES as readonly (string | undefined)[]).includes(folderModelType(dir))) return runWordModelForward(cmd, dir, inputs);
  const luke = await loadLuke(cmd.model);
  const out = new AtomicFileWriter(cmd.output);
  await commitOrAbort(out, luke, async () => {
    for (const group of batches(inputs, cmd.batchSize ?? 16)) {
      const results = await forwardGroup(luke, cmd, group);
      for (const r of results) out.write(JSON.stringify(toSnakeCase(r)) + "\n");
    }
  });
  return inputs.length;
}

/**
 * Runs `work`, then commits `out` (when there is one); when work throws, `out` is aborted (nothing
 * written) and the error goes on. The model is disposed either way.
 */
async function commitOrAbort(out: AtomicFileWriter | undefined, model: { dispose(): void }, work: () => Promise<void>): Promise<void> {
  try {
    await work();
    out?.commit();
  } catch (err) {
    out?.abort();
    throw err;
  } finally {
    model.dispose();
  }
}

async function runWordModelForward(cmd: ForwardCommand, dir: string, inputs: Numbered<ForwardInput>[]): Promise<number> {
  if (cmd.maxLength !== undefined) throw new Error(`${dir}: --max-length applies to LUKE models only; this is a ${folderModelType(dir)} model`);
  for (const { value, line } of inputs) {
    if (value.spans?.length) throw new InputError(cmd.input, line, "this model has no entities: give inputs without \"spans\"");
  }
  const model = await loadWordModel(dir);
  const out = new AtomicFileWriter(cmd.output);
  await commitOrAbort(out, model, async () => {
    for (let at = 0; at < inputs.length; at += cmd.batchSize ?? 16) {
      const group = inputs.slice(at, at + (cmd.batchSize ?? 16)).map((g) => g.value.text);
      const results = await model.forward(group, { attentions: cmd.attentions, hiddenStates: cmd.hiddenStates, batchSize: group.length });
      for (const r of results) out.write(JSON.stringify(wordResultJson(r, model)) + "\n");
    }
  });
  return inputs.length;
}

function wordResultJson(r: WordForwardResult, model: WordModelRunner): Record<string, unknown> {
  const out: Record<string, unknown> = { tokens: r.tokens, input_ids: r.inputIds };
  if (model.modelType === "bert") out.token_type_ids = r.tokenTypeIds;
  out.last_hidden_state = r.lastHiddenState;
  if (r.hiddenStates) out.hidden_states = r.hiddenStates;
  if (r.attentions) out.attentions = r.attentions;
  return out;
}

export interface PredictCommand extends ModelInputCommand {
  output?: string;
  threshold?: number;
}

/** `lukelab predict`: labelled predictions, as JSON lines to a file or a readable table on stdout. */
export async function runPredict(cmd: PredictCommand): Promise<void> {
  const inputs = readJsonl(cmd.input, parseForwardInput);
  const luke = await loadLuke(cmd.model);
  const out = cmd.output ? new AtomicFileWriter(cmd.output) : undefined;
  await commitOrAbort(out, luke, async () => {
    for (const group of batches(inputs, cmd.batchSize ?? 16)) {
      const preds = await luke.predict(
        group.map((g) => g.value),
        { task: group[0].value.task === undefined ? luke.tokenizer.task : group[0].value.task, threshold: cmd.threshold },
      );
      for (const p of preds) {
        if (out) out.write(JSON.stringify(p) + "\n");
        else {
          const top = p.scores.slice(0, 3).map((s) => `${s.label} ${s.score.toFixed(3)}`).join(", ");
          process.stdout.write(`${p.mentions.join(" | ")}\t[${p.labels.join(", ")}]\t(${top})\n`);
        }
      }
    }
  });
}

/** Consecutive inputs with the same task, at most `size` at a time, with their line numbers. */
function* batches(inputs: Numbered<ForwardInput>[], size: number): Generator<Numbered<ForwardInput>[]> {
  let group: Numbered<ForwardInput>[] = [];
  for (const item of inputs) {
    if (group.length === size || (group.length > 0 && group[0].value.task !== item.value.task)) {
      yield group;
      group = [];
    }
    group.push(item);
  }
  if (group.length) yield group;
}

async function forwardGroup(luke: Luke, cmd: ForwardCommand, group: Numbered<ForwardInput>[]): Promise<ForwardResult[]> {
  const task: LukeTask | undefined = group[0].value.task;
  const options = { task: task === undefined ? luke.tokenizer.task : task, attentions: cmd.attentions, hiddenStates: cmd.hiddenStates, maxLength: cmd.maxLength };
  let batch;
  try {
    batch = luke.encode(group.map((g) => g.value), options);
  } catch {
    // Find the line the tokenizer rejects, so the error can name it.
    for (const g of group) {
      try {
        luke.encode([g.value], options);
      } catch (err) {
        throw new InputError(cmd.input, g.line, (err as Error).message);
      }
    }
    throw new Error(`${cmd.input}: lines ${group[0].line}-${group[group.length - 1].line} could not be encoded together`);
  }
  return luke.forwardBatch(batch, options);
}

function toSnakeCase(r: ForwardResult): Record<string, unknown> {
  const out: Record<string, unknown> = {
    tokens: r.tokens,
    input_ids: r.inputIds,
    entity_ids: r.entityIds,
    entity_position_ids: r.entityPositionIds,
  };
  if (r.entityStartPositions) out.entity_start_positions = r.entityStartPositions;
  if (r.entityEndPositions) out.entity_end_positions = r.entityEndPositions;
  out.last_hidden_state = r.lastHiddenState;
  out.entity_last_hidden_state = r.entityLastHiddenState;
  if (r.logits) out.logits = r.logits;
  if (r.hiddenStates) out.hidden_states = r.hiddenStates;
  if (r.entityHiddenStates) out.entity_hidden_states = r.entityHiddenStates;
  if (r.attentions) out.attentions = r.attentions;
  return out;
}

export interface ConvertCommand {
  archive: string;
  tokenizer: string;
  output: string;
}

/** `lukelab convert`: original LUKE archive + RoBERTa tokenizer files → Hugging Face folder. */
export async function convertOriginalArchive(cmd: ConvertCommand): Promise<void> {
  const vocabPath = join(cmd.tokenizer, "vocab.json");
  let vocab: Record<string, number>;
  try {
    vocab = JSON.parse(readFileSync(vocabPath, "utf8"));
  } catch (err) {
    throw new Error(`cannot read the word vocabulary ${vocabPath}: ${(err as Error).message}`);
  }
  for (const t of ["@", "#"]) {
    if (vocab[t] === undefined) throw new Error(`${vocabPath} has no token "${t}", which the <ent>/<ent2> rows are copied from`);
  }
  const converted = await loadOriginalLukeArchive(cmd.archive, { wordIdsOf: { at: vocab["@"], hash: vocab["#"] } });
  saveHfCheckpoint(cmd.output, { config: converted.config, stateDict: converted.stateDict });
  LukeTokenizer.fromRobertaFiles(cmd.tokenizer, converted.entityVocab, converted.metadata).save(cmd.output);
}

/** `lukelab doctor`: what runs where. */
export async function doctorReport(): Promise<string> {
  const report = await initBackend();
  const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8"));
  const lines = [
    `lukelab ${pkg.version}`,
    `backend: ${report.backend} (${report.reason})`,
    ...report.skipped.map((s) => `  skipped ${s.backend}: ${s.why}`),
    ...Object.entries(report.details).map(([k, v]) => `  ${k}: ${v}`),
    `tfjs-core: ${report.tfjsVersion}`,
    `node: ${process.versions.node} (${process.platform}-${process.arch})`,
    `tensors live: ${tf.memory().numTensors}`,
  ];
  return lines.join("\n") + "\n";
}
