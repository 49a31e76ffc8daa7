/** The BERT, RoBERTa and GPT-2 parity fixtures of scripts/make_model_fixtures.py, read for the tests. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, SHARED } from "../helpers";

export const MODEL_KINDS = ["bert", "roberta", "gpt2"] as const;
export const FORMATS = ["safetensors", "bin"] as const;

export interface TensorRef {
  shape: number[];
  offset: number;
}

export interface ModelRecord {
  input: { text?: string; source?: { dataset: string; split: string; index: number } };
  tokens: string[];
  input_ids: number[];
  attention_mask: number[];
  token_type_ids?: number[];
  last_hidden_state: TensorRef;
  hidden_states: TensorRef;
  attentions?: TensorRef;
}

export interface ModelExpected {
  architecture: string;
  tolerance: { hidden: number; attentions: number };
  inputs: ModelRecord[];
  batch: { rows: number[]; outputs: ModelRecord[] };
}

export const modelDir = (kind: string, format = "safetensors") => join(FIXTURES, "models", kind, format);

const datasets = new Map<string, { sent: string }[]>();

export function textOf(rec: ModelRecord): string {
  if (rec.input.text !== undefined) return rec.input.text;
  const src = rec.input.source!;
  const key = `${src.dataset}/${src.split}`;
  if (!datasets.has(key)) datasets.set(key, JSON.parse(readFileSync(join(SHARED, "data", src.dataset, `${src.split}.json`), "utf8")));
  return datasets.get(key)![src.index].sent;
}

export function loadExpected(kind: string): { expected: ModelExpected; values: Float32Array } {
  const dir = join(FIXTURES, "models", kind);
  const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as ModelExpected;
  const buf = readFileSync(join(dir, "expected.f32"));
  return { expected, values: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)) };
}

export function slice(values: Float32Array, ref: TensorRef): Float32Array {
  return values.subarray(ref.offset, ref.offset + ref.shape.reduce((a, b) => a * b, 1));
}
