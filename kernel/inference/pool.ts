/**
 * Inference on every core with the WebAssembly backend: one copy of the model per worker thread,
 * each batch split by rows across them.
 *
 * tfjs-backend-wasm runs one thread in Node (its multi-threaded build needs the browser's Worker,
 * tensorflow/tfjs#3830), so a LUKE on wasm uses one core however many the machine has. A pool of
 * worker_threads, each with its own wasm backend and its own copy of the weights, runs the rows of
 * a batch side by side. The batch is tokenised and padded once, here, and every worker gets rows of
 * that same padded batch: each row is computed exactly as `Luke.forwardBatch` computes it (the
 * same ops on the same padded length), so the results are those of one process.
 *
 *   const pool = await LukePool.open("samples/tiny-luke", { threads: 2 });
 *   const results = await pool.forward([{ text: "Beyoncé lives in Los Angeles.", spans: [[0, 7]] }]);
 *   await pool.close();
 *
 * Memory: every worker holds the weights (luke-base: 0.5 GB each with real vocabularies), plus
 * the activations of its rows. The weights travel to the workers once, through shared memory.
 * On native TensorFlow a pool adds nothing (TensorFlow already uses every core): `threads`
 * defaults to 1 there.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { initBackend } from "../backend";
import type { HubOptions } from "../hub";
import type { StateDict } from "../checkpoint/tensor-data";
import { LukeModel } from "../model";
import type { LukeConfig, LukeHead } from "../model";
import { lukeConfigToJson } from "../model";
import type { BatchEncoding, EncodeInput } from "../tokenizer";
import { LukeTokenizer } from "../tokenizer";
import {
  batchResults,
  checkPredictHead,
  encodeInputs,
  labelledPredictions,
  loadLuke,
  type ForwardResult,
  type FlatTensor,
  type Prediction,
  type PredictOptions,
  type RawOutputs,
  type RunOptions,
} from "./luke";

/** What the main thread sends a worker. */
export type PoolRequest =
  | { type: "init"; backend: string; config: Record<string, unknown>; head: LukeHead; weights: SharedWeight[] }
  | { type: "run"; id: number; batch: BatchEncoding; options: RunOptions }
  | { type: "close" };

/** What a worker answers. */
export type PoolReply =
  | { type: "ready"; backend: string }
  | { type: "result"; id: number; raw: RawOutputs }
  | { type: "error"; id?: number; message: string; stack?: string };

/** One weight in shared memory, readable by every worker without a copy per worker. */
export interface SharedWeight {
  name: string;
  dtype: "float32" | "int32";
  shape: number[];
  buffer: SharedArrayBuffer;
}

export interface PoolOptions {
  /**
   * Worker threads. Default: the cores (os.availableParallelism()) on wasm and cpu, 1 on native
   * TensorFlow. Batches smaller than this use as many workers as they have rows.
   */
  threads?: number;
  /** Which head to build (as loadLuke). */
  head?: LukeHead;
  /** For a Hub id: cache, endpoint, token, offline and progress settings (as loadLuke). */
  hub?: HubOptions;
}

function defaultThreads(backend: string): number {
  return backend === "tensorflow" ? 1 : Math.max(1, availableParallelism());
}

/** The state dict copied once into shared memory. */
function shareWeights(stateDict: StateDict): SharedWeight[] {
  return [...stateDict].map(([name, t]) => {
    if (!(t.data instanceof Float32Array) && !(t.data instanceof Int32Array)) {
      throw new Error(`weight ${name}: dtype ${t.dtype} cannot be shared with pool workers`);
    }
    const buffer = new SharedArrayBuffer(t.data.byteLength);
    new Uint8Array(buffer).set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    return { name, dtype: t.data instanceof Float32Array ? "float32" : "int32", shape: t.shape, buffer };
  });
}

/** Rows [start, end) of a padded batch, still padded to the batch's length. */
export function sliceBatch(batch: BatchEncoding, start: number, end: number): BatchEncoding {
  const part: BatchEncoding = {
    tokens: batch.tokens.slice(start, end),
    inputIds: batch.inputIds.slice(start, end),
    attentionMask: batch.attentionMask.slice(start, end),
    entityIds: batch.entityIds.slice(start, end),
    entityPositionIds: batch.entityPositionIds.slice(start, end),
    entityAttentionMask: batch.entityAttentionMask.slice(start, end),
  };
  if (batch.entityStartPositions) part.entityStartPositions = batch.entityStartPositions.slice(start, end);
  if (batch.entityEndPositions) part.entityEndPositions = batch.entityEndPositions.slice(start, end);
  return part;
}

/** Row ranges for `parts` workers: as even as possible, none empty. */
export function splitRows(rows: number, parts: number): Array<[number, number]> {
  const n = Math.max(1, Math.min(parts, rows));
  const out: Array<[number, number]> = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const size = Math.floor(rows / n) + (i < rows % n ? 1 : 0);
    out.push([at, at + size]);
    at += size;
  }
  return out;
}

/** Joins the raw outputs of consecutive row ranges along the batch axis (axis 0 of every output). */
export function concatRaw(parts: RawOutputs[]): RawOutputs {
  const cat = (ts: FlatTensor[]): FlatTensor => {
    const data = new Float32Array(ts.reduce((n, t) => n + t.data.length, 0));
    let at = 0;
    for (const t of ts) {
      data.set(t.data, at);
      at += t.data.length;
    }
    return { data, shape: [ts.reduce((n, t) => n + t.shape[0], 0), ...ts[0].shape.slice(1)] };
  };
  const each = (pick: (r: RawOutputs) => FlatTensor[] | undefined): FlatTensor[] | undefined => {
    const lists = parts.map(pick);
    if (lists.some((l) => l === undefined)) return undefined;
    return lists[0]!.map((_, i) => cat(lists.map((l) => l![i])));
  };
  const one = (pick: (r: RawOutputs) => FlatTensor | undefined): FlatTensor | undefined => {
    const ts = parts.map(pick);
    return ts.some((t) => t === undefined) ? undefined : cat(ts as FlatTensor[]);
  };
  return {
    lastHiddenState: cat(parts.map((p) => p.lastHiddenState)),
    entityLastHiddenState: one((p) => p.entityLastHiddenState),
    logits: one((p) => p.logits),
    attentions: each((p) => p.attentions),
    hiddenStates: each((p) => p.hiddenStates),
    entityHiddenStates: each((p) => p.entityHiddenStates),
  };
}

class PoolWorker {
  private readonly pending = new Map<number, { resolve: (r: RawOutputs) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  constructor(
    readonly worker: Worker,
    readonly index: number,
  ) {
    worker.on("message", (reply: PoolReply) => {
      if (reply.type === "result") {
        this.pending.get(reply.id)?.resolve(reply.raw);
        this.pending.delete(reply.id);
      } else if (reply.type === "error" && reply.id !== undefined) {
        this.pending.get(reply.id)?.reject(new Error(`pool worker ${index}: ${reply.message}`));
        this.pending.delete(reply.id);
      }
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on("error", (err) => fail(new Error(`pool worker ${index} failed: ${err.message}`)));
    worker.on("exit", (code) => {
      if (code !== 0) fail(new Error(`pool worker ${index} exited with code ${code}`));
    });
  }

  run(id: number, batch: BatchEncoding, options: RunOptions): Promise<RawOutputs> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: PoolRequest = { type: "run", id, batch, options };
      this.worker.postMessage(request);
    });
  }
}

export class LukePool {
  private nextId = 0;
  private closed = false;

  private constructor(
    readonly tokenizer: LukeTokenizer | undefined,
    readonly config: LukeConfig,
    readonly head: LukeHead,
    readonly backend: string,
    private readonly workers: PoolWorker[],
  ) {}

  get threads(): number {
    return this.workers.length;
  }

  /** Loads a Hugging Face LUKE folder or Hub id (as loadLuke) once, then starts the workers with its weights. */
  static async open(dirOrId: string, options: PoolOptions = {}): Promise<LukePool> {
    const luke = await loadLuke(dirOrId, { head: options.head, hub: options.hub });
    try {
      return await LukePool.fromModel(luke.model, { ...options, tokenizer: luke.tokenizer });
    } finally {
      luke.dispose();
    }
  }

  /**
   * Starts workers that hold copies of `model` (which stays the caller's: dispose it when the
   * pool is running to keep one copy fewer). Without a tokenizer the pool runs encoded batches only.
   */
  static async fromModel(model: LukeModel, options: PoolOptions & { tokenizer?: LukeTokenizer } = {}): Promise<LukePool> {
    const { backend } = await initBackend();
    const threads = options.threads ?? defaultThreads(backend);
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`LukePool: threads must be a positive integer, got ${threads}`);
    const weights = shareWeights(model.stateDict());
    const config = lukeConfigToJson(model.config);
    const script = join(__dirname, "pool-worker.js");
    const workers: PoolWorker[] = [];
    try {
      await Promise.all(
        Array.from({ length: threads }, async (_, i) => {
          const worker = new Worker(script, { env: { ...process.env, LUKELAB_BACKEND: backend } });
          const pw = new PoolWorker(worker, i);
          workers.push(pw);
          await new Promise<void>((resolve, reject) => {
            const onMessage = (reply: PoolReply) => {
              if (reply.type === "ready") resolve();
              else if (reply.type === "error") reject(new Error(`pool worker ${i} could not start: ${reply.message}`));
              else return;
              worker.off("message", onMessage);
            };
            worker.on("message", onMessage);
            worker.once("error", reject);
            const init: PoolRequest = { type: "init", backend, config, head: model.head, weights };
            worker.postMessage(init);
          });
        }),
      );
    } catch (err) {
      await Promise.all(workers.map((w) => w.worker.terminate()));
      throw err;
    }
    workers.sort((a, b) => a.index - b.index);
    return new LukePool(options.tokenizer, model.config, model.head, backend, workers);
  }

  /** Runs one encoded, padded batch: its rows split across the workers, results in row order. */
  async forwardBatch(batch: BatchEncoding, options: RunOptions = {}): Promise<ForwardResult[]> {
    return batchResults(batch, await this.runBatch(batch, options), this.head);
  }

  /** The raw outputs of one padded batch (every row and position), computed across the workers. */
  async runBatch(batch: BatchEncoding, options: RunOptions = {}): Promise<RawOutputs> {
    if (this.closed) throw new Error("this LukePool was closed");
    const ranges = splitRows(batch.inputIds.length, this.workers.length);
    const runOptions: RunOptions = { attentions: options.attentions, hiddenStates: options.hiddenStates };
    const parts = await Promise.all(ranges.map(([s, e], i) => this.workers[i].run(this.nextId++, sliceBatch(batch, s, e), runOptions)));
    return parts.length === 1 ? parts[0] : concatRaw(parts);
  }

  /** As Luke.forward: tokenises in batches of `batchSize` (default 16 per worker) and runs them. */
  async forward(inputs: EncodeInput[], options: RunOptions = {}): Promise<ForwardResult[]> {
    const tokenizer = this.requireTokenizer();
    const size = options.batchSize ?? 16 * this.workers.length;
    const results: ForwardResult[] = [];
    for (let at = 0; at < inputs.length; at += size) {
      const batch = encodeInputs(tokenizer, inputs.slice(at, at + size), options);
      results.push(...(await this.forwardBatch(batch, options)));
    }
    return results;
  }

  /** As Luke.predict. */
  async predict(inputs: EncodeInput[], options: PredictOptions = {}): Promise<Prediction[]> {
    checkPredictHead(this.head);
    return labelledPredictions(inputs, await this.forward(inputs, options), this.config, this.head, options);
  }

  /** Stops the workers; their memory is freed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.workers.map(async (w) => {
        const bye: PoolRequest = { type: "close" };
        w.worker.postMessage(bye);
        await w.worker.terminate();
      }),
    );
  }

  private requireTokenizer(): LukeTokenizer {
    if (!this.tokenizer) throw new Error("this LukePool has no tokenizer: use forwardBatch with encoded batches, or LukePool.open(dir)");
    return this.tokenizer;
  }
}
