/**
 * One worker of a LukePool (pool.ts): builds the model from the shared weights once, then runs
 * the rows it is sent and answers with flat outputs (their buffers transferred, not copied).
 */
import { parentPort } from "node:worker_threads";
import { initBackend, tf } from "../backend";
import type { StateDict } from "../checkpoint/tensor-data";
import { LukeModel, parseLukeConfig } from "../model";
import { runModel, type RawOutputs } from "./luke";
import type { PoolReply, PoolRequest } from "./pool";

if (!parentPort) throw new Error("pool-worker.js runs as a worker thread of a LukePool");
const port = parentPort;
let model: LukeModel | undefined;

function transferables(raw: RawOutputs): ArrayBuffer[] {
  const all = [raw.lastHiddenState, raw.entityLastHiddenState, raw.logits, ...(raw.attentions ?? []), ...(raw.hiddenStates ?? []), ...(raw.entityHiddenStates ?? [])];
  const buffers = new Set<ArrayBuffer>();
  for (const t of all) {
    if (!t) continue;
    // Values read from the wasm heap are copies; values on the cpu backend may be the backend's own
    // buffer, which must not be moved away: copy those whose buffer is larger than the values.
    if (t.data.byteOffset !== 0 || t.data.buffer.byteLength !== t.data.byteLength || buffers.has(t.data.buffer as ArrayBuffer)) {
      t.data = t.data.slice();
    }
    buffers.add(t.data.buffer as ArrayBuffer);
  }
  return [...buffers];
}

port.on("message", async (request: PoolRequest) => {
  try {
    if (request.type === "init") {
      const report = await initBackend();
      const stateDict: StateDict = new Map(
        request.weights.map((w) => [
          w.name,
          { dtype: w.dtype, shape: w.shape, data: w.dtype === "float32" ? new Float32Array(w.buffer) : new Int32Array(w.buffer) },
        ]),
      );
      model = LukeModel.fromStateDict(parseLukeConfig(request.config, "LukePool"), stateDict, { head: request.head });
      const reply: PoolReply = { type: "ready", backend: report.backend };
      port.postMessage(reply);
    } else if (request.type === "run") {
      if (!model) throw new Error("run before init");
      const raw = await runModel(model, request.batch, request.options);
      const reply: PoolReply = { type: "result", id: request.id, raw };
      port.postMessage(reply, transferables(raw));
    } else if (request.type === "close") {
      model?.dispose();
      model = undefined;
      tf.disposeVariables();
    }
  } catch (err) {
    const e = err as Error;
    const reply: PoolReply = { type: "error", id: request.type === "run" ? request.id : undefined, message: e.message, stack: e.stack };
    port.postMessage(reply);
  }
});
