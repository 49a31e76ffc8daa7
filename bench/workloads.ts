/**
 * The benchmark workloads, shared by the lukelab worker, the PyTorch script (as JSON) and the table.
 *
 * Shapes follow issue 3: LukeForEntityClassification at luke-base shape (12 layers, hidden 768,
 * 12 heads, intermediate 3072, entity_emb_size 256) and luke-large shape (24, 1024, 16, 4096, 256),
 * random weights. The word and entity vocabularies are small (VOCAB each) on both sides: the real
 * 50k-word / 500k-entity tables only add memory (a gather reads B·L rows whatever the table size),
 * so the timings are those of the full-size model and the RSS figures are smaller than with real tables.
 */

export const VOCAB = 1000;
/** Open Entity's nine types: multi-label targets, so the loss is BCE-with-logits on both sides. */
export const NUM_LABELS = 9;
/** transformers' LukeTokenizer max_mention_length: entity_position_ids is [B, Le, 30], padded with −1. */
export const MAX_MENTION = 30;
/** Tokens the one entity covers (positions 1..3). */
export const MENTION = [1, 2, 3];

export interface Shape {
  name: "luke-base" | "luke-large" | "tiny";
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  entityEmb: number;
}

export const LUKE_BASE: Shape = { name: "luke-base", layers: 12, hidden: 768, heads: 12, intermediate: 3072, entityEmb: 256 };
export const LUKE_LARGE: Shape = { name: "luke-large", layers: 24, hidden: 1024, heads: 16, intermediate: 4096, entityEmb: 256 };

export type Kind = "matmul" | "inference" | "training" | "epoch";

/**
 * The tiny model of the Open Entity comparison (scripts/compare_open_entity.py: its TINY preset and
 * defaults): 2 layers, hidden 128, 4 heads, FFN 512, entity embeddings 64, a BPE vocabulary of 2,000
 * words, the entity vocabulary of the 4 special rows.
 */
export const TINY: Shape = { name: "tiny", layers: 2, hidden: 128, heads: 4, intermediate: 512, entityEmb: 64 };

/**
 * One training epoch as the Open Entity comparison runs it: 1,998 examples in steps of 16 (125
 * steps), AdamW at lr 1e-3 with weight decay 0.1, hidden dropout 0.3 (attention 0.1), LayerNorm ε 1e-5.
 * With four words of context each side of the mention its sentences are 9–82 tokens (mean 20), a
 * shuffled batch of 16 pads to 37–40: here every step is 16 × 40.
 */
export interface EpochSettings {
  steps: number;
  lr: number;
  weightDecay: number;
  hiddenDropout: number;
  layerNormEps: number;
  wordVocab: number;
  entityVocab: number;
}

export const OPEN_ENTITY_EPOCH: EpochSettings = { steps: 125, lr: 1e-3, weightDecay: 0.1, hiddenDropout: 0.3, layerNormEps: 1e-5, wordVocab: 2000, entityVocab: 4 };

/** Warm-up of an epoch workload: this many steps (a whole epoch would double its time). */
export const EPOCH_WARMUP_STEPS = 10;

export interface Workload {
  id: string;
  kind: Kind;
  /** One line for the table. */
  title: string;
  shape?: Shape;
  batch: number;
  seq: number;
  entities: number;
  /** matmul only: [M, K] · [K, N]. */
  mkn?: [number, number, number];
  /** epoch only: what one epoch does. */
  epoch?: EpochSettings;
  /** Threads on every side (default: one per core); the epoch runs at the comparison's one. */
  threads?: number;
  /** Reference runtimes besides PyTorch that run this workload (ONNX Runtime: one inference shape). */
  references?: string[];
  /** Timed iterations after `warmup` untimed ones. */
  repeats: number;
  warmup: number;
}

/**
 * Model FLOPs of one forward pass for one sequence of T = L + E tokens (multiply-add = 2):
 * per layer, two query projections per token (w2w/w2e for words, e2w/e2e for entities), key,
 * value and output projections (5·2H²), the feed-forward (2·2HI), and scores plus context over
 * all T tokens (2·2T²H); then the pooler and the classifier. Embedding gathers are not counted.
 */
export function forwardFlops(s: Shape, seq: number, entities: number): number {
  const T = seq + entities;
  const H = s.hidden;
  const perLayer = T * (10 * H * H + 4 * H * s.intermediate) + 4 * T * T * H;
  const entityDense = 2 * entities * s.entityEmb * H;
  const heads = 2 * H * H + 2 * H * NUM_LABELS;
  return s.layers * perLayer + entityDense + heads;
}

/** FLOPs of one timed iteration: forward for inference; forward + backward (2× forward) for training; an epoch is its steps. */
export function iterationFlops(w: Workload): number {
  if (w.kind === "matmul") {
    const [m, k, n] = w.mkn!;
    return 2 * m * k * n;
  }
  const fwd = forwardFlops(w.shape!, w.seq, w.entities) * w.batch;
  if (w.kind === "epoch") return 3 * fwd * w.epoch!.steps;
  return w.kind === "training" ? 3 * fwd : fwd;
}

export function workloads(quick: boolean): Workload[] {
  const r = quick ? { repeats: 1, warmup: 1 } : { repeats: 3, warmup: 1 };
  const out: Workload[] = [
    {
      id: "matmul",
      kind: "matmul",
      title: "fp32 matMul 4096×768 · 768×3072",
      batch: 1,
      seq: 0,
      entities: 0,
      mkn: [4096, 768, 3072],
      repeats: quick ? 3 : 10,
      warmup: 2,
    },
    { id: "infer-base-b32-s128", kind: "inference", title: "inference luke-base, batch 32 × seq 128, 1 entity", shape: LUKE_BASE, batch: 32, seq: 128, entities: 1, references: ["onnxruntime"], ...r },
    { id: "train-base-b8-s128", kind: "training", title: "training step (fwd+bwd+AdamW) luke-base, batch 8 × 128", shape: LUKE_BASE, batch: 8, seq: 128, entities: 1, ...r },
  ];
  for (const seq of [64, 128, 256, 512]) {
    out.push({ id: `infer-base-b8-s${seq}`, kind: "inference", title: `inference luke-base, batch 8 × seq ${seq}`, shape: LUKE_BASE, batch: 8, seq, entities: 1, ...r });
  }
  out.push({
    id: "epoch-tiny-oe",
    kind: "epoch",
    title: "training epoch, tiny model, Open Entity settings, 1 thread",
    shape: TINY,
    batch: 16,
    seq: 40,
    entities: 1,
    epoch: OPEN_ENTITY_EPOCH,
    threads: 1,
    ...r,
  });
  out.push({ id: "infer-large-b8-s128", kind: "inference", title: "inference luke-large, batch 8 × seq 128", shape: LUKE_LARGE, batch: 8, seq: 128, entities: 1, ...r });
  return out;
}

/** What a worker (lukelab or PyTorch) reports for one workload. */
export interface Measurement {
  runtime: string;
  workload: string;
  /** Which of the invocation's runs (0-based). */
  run?: number;
  ok: boolean;
  error?: string;
  /** Seconds per timed iteration, each one. */
  seconds?: number[];
  /** Median seconds per iteration. */
  median?: number;
  /** Sequences per second (matmul: iterations per second; epoch: examples per second). */
  throughput?: number;
  gflops?: number;
  /** Peak resident set of the worker process, MiB. */
  peakRssMB?: number;
  /** RSS after the runtime loaded, before the model was built, MiB. */
  baseRssMB?: number;
  threads?: number;
  /** Training: loss of the last step (sanity). */
  loss?: number;
  setupSeconds?: number;
  details?: Record<string, unknown>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
