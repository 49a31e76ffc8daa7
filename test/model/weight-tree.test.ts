/**
 * The weight tree (kernel/model/weight-tree.ts) is the one source of LUKE weight names: every key
 * transformers' models hold is declared there or on its ignore list, with the same shape, for each
 * config variant and head; the model creates exactly the tree's weights; the shipped parity folders
 * check clean; and the layering holds (kernel/model imports nothing from kernel/checkpoint, the tree
 * and the checkpoint readers load no TF.js, no import cycles through either folder).
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { before, describe, test } from "node:test";
import { loadHfCheckpoint } from "../../kernel/checkpoint";
import {
  IGNORED_KEYS,
  LUKE_HEADS,
  LukeModel,
  TIED_DECODER_KEYS,
  checkWeights,
  lukeConfigToJson,
  normaliseLukeKeys,
  parseLukeConfig,
  weightShapes,
  weightSpecs,
  type LukeConfig,
  type LukeHead,
} from "../../kernel/model";
import type { StateDict } from "../../kernel/model/tensor-data";
import { FIXTURES, ROOT, expectNoLeak, ready, runPython } from "../helpers";

const SCRIPT = join(ROOT, "test", "model", "weight_tree_reference.py");
const KERNEL = join(ROOT, "kernel");

/** The four shapes of the tree: entity-aware attention on/off × entity_emb_size ≠ / = hidden_size. */
const VARIANTS: Record<string, { entity_emb_size: number; use_entity_aware_attention: boolean }> = {
  "aware, E≠H": { entity_emb_size: 4, use_entity_aware_attention: true },
  "aware, E=H": { entity_emb_size: 8, use_entity_aware_attention: true },
  "plain, E≠H": { entity_emb_size: 4, use_entity_aware_attention: false },
  "plain, E=H": { entity_emb_size: 8, use_entity_aware_attention: false },
};

const configs: Record<string, LukeConfig> = {};
let ref: { keys: Record<string, Record<LukeHead, [string, number[]][]>>; tied: string[] };

before(async () => {
  await ready();
  for (const [name, variant] of Object.entries(VARIANTS)) {
    configs[name] = parseLukeConfig(
      {
        vocab_size: 30, entity_vocab_size: 7, hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2,
        intermediate_size: 12, max_position_embeddings: 20, type_vocab_size: 2, num_labels: 3, ...variant,
      },
      name,
    );
  }
  const request = { configs: Object.fromEntries(Object.entries(configs).map(([n, c]) => [n, lukeConfigToJson(c)])) };
  ref = runPython(SCRIPT, [], request);
});

/** A state dict of zeros with the given names and shapes. */
function zeros(entries: Iterable<[string, number[]]>): StateDict {
  const sd: StateDict = new Map();
  for (const [name, shape] of entries) sd.set(name, { dtype: "float32", shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  return sd;
}

describe("the weight tree against transformers", () => {
  test("every key of transformers' models is declared (or ignored) with its shape, for each variant and head", () => {
    for (const [name, config] of Object.entries(configs)) {
      for (const head of LUKE_HEADS) {
        const theirs = ref.keys[name][head];
        assert.ok(theirs.length > 20, `${name}/${head}: transformers gave ${theirs.length} keys`);
        if (head === "none") assert.ok(theirs.every(([k]) => !k.startsWith("luke.")), "LukeModel's own naming has no prefix");
        const { stateDict, dropped } = normaliseLukeKeys(zeros(theirs), `${name}/${head}`);
        // One error for anything undeclared, missing or of another shape.
        checkWeights(stateDict, weightShapes(config, head), `${name}/${head}`, head);
        assert.deepEqual([...stateDict.keys()].sort(), weightSpecs(config, head).map((s) => s.name).sort());
        assert.ok(dropped.every((k) => IGNORED_KEYS.includes(k)), `${name}/${head}: dropped ${dropped.join(", ")}`);
        assert.deepEqual(dropped.length > 0, head === "masked_lm", `${name}/${head}: only the masked-LM model has tied keys`);
      }
    }
  });

  test("the tied decoder keys are transformers' own", () => {
    assert.deepEqual([...TIED_DECODER_KEYS].sort(), [...ref.tied].sort());
  });

  test("the variants differ where the tree says: the entity-aware queries and the entity projection", () => {
    const names = (v: string) => new Set(weightSpecs(configs[v], "none").map((s) => s.name));
    const aware = names("aware, E≠H");
    const plain = names("plain, E=H");
    const extra = [...aware].filter((n) => !plain.has(n)).sort();
    assert.equal(extra.length, 2 * 3 * 2 + 1, extra.join(", ")); // 2 layers × 3 queries × (weight, bias) + the projection
    assert.ok(extra.includes("luke.entity_embeddings.entity_embedding_dense.weight"));
    assert.ok(extra.includes("luke.encoder.layer.1.attention.self.e2w_query.bias"));
    assert.ok([...plain].every((n) => aware.has(n)));
  });
});

describe("the model creates the tree", () => {
  test("LukeModel.random and fromStateDict make exactly the tree's weights, in its order, with its shapes", async () => {
    for (const [name, config] of Object.entries(configs)) {
      for (const head of LUKE_HEADS) {
        await expectNoLeak(() => {
          const specs = weightSpecs(config, head);
          const model = LukeModel.random(config, { head, seed: 3 });
          const named = model.namedVariables();
          assert.deepEqual(named.map((v) => v.name), specs.map((s) => s.name), `${name}/${head}: names`);
          named.forEach(({ variable }, i) => {
            const { shape, transposed } = specs[i];
            assert.deepEqual(variable.shape, transposed ? [shape[1], shape[0]] : shape, `${name}/${head}: ${specs[i].name}`);
          });
          const saved = model.stateDict();
          assert.deepEqual([...saved].map(([k, t]) => [k, t.shape]), specs.map((s) => [s.name, s.shape]));
          const again = LukeModel.fromStateDict(config, saved, { head });
          assert.deepEqual(again.namedVariables().map((v) => v.name), specs.map((s) => s.name));
          model.dispose();
          again.dispose();
        });
      }
    }
  });

  test("a file holding lm_head.decoder.bias but not lm_head.bias has it read as lm_head.bias", () => {
    const config = configs["aware, E≠H"];
    const model = LukeModel.random(config, { head: "masked_lm", seed: 1 });
    const saved = model.stateDict();
    model.dispose();
    const bias = saved.get("lm_head.bias")!;
    saved.delete("lm_head.bias");
    saved.set("lm_head.decoder.bias", bias);
    const { stateDict, dropped } = normaliseLukeKeys(saved);
    assert.equal(stateDict.get("lm_head.bias"), bias);
    assert.deepEqual(dropped, []);
    const loaded = LukeModel.fromStateDict(config, saved, { head: "masked_lm" });
    assert.deepEqual(Array.from(loaded.stateDict().get("lm_head.bias")!.data), Array.from(bias.data));
    loaded.dispose();
  });

  test("the shipped parity folders (transformers-saved, .safetensors and .bin) check clean against the tree", () => {
    let checked = 0;
    for (const model of readdirSync(join(FIXTURES, "parity"))) {
      for (const format of ["safetensors", "bin"]) {
        const dir = join(FIXTURES, "parity", model, format);
        const checkpoint = loadHfCheckpoint(dir);
        const config = parseLukeConfig(checkpoint.config, join(dir, "config.json"));
        const { stateDict } = normaliseLukeKeys(checkpoint.stateDict, dir);
        const head = LukeModel.inferHead(config, stateDict.keys());
        assert.notEqual(head, "none", `${dir}: a task model`);
        checkWeights(stateDict, weightShapes(config, head), checkpoint.source, head);
        checked++;
      }
    }
    assert.ok(checked >= 4, `${checked} folders checked`);
  });
});

// ---------------------------------------------------------------------------------------------
// Layering, from the import statements of kernel/**/*.ts.

/** Every kernel source file (absolute path) → what it imports: kernel files (absolute) or package names. */
function importGraph(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) files.push(path);
    }
  };
  walk(KERNEL);
  const resolveSpec = (from: string, spec: string): string => {
    if (!spec.startsWith(".")) return spec;
    const base = resolve(dirname(from), spec);
    for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) {
      try {
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        /* try the next */
      }
    }
    return base; // outside the sources (e.g. require("../../../../package.json") from lib/): no kernel file
  };
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm, // import … from "x", export … from "x" (multi-line too)
    /^\s*import\s*["']([^"']+)["']/gm, // import "x"
    /\b(?:import|require)\(\s*["']([^"']+)["']\s*\)/g, // import("x"), require("x")
  ];
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
    const specs = patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[1]));
    graph.set(file, [...new Set(specs.map((s) => resolveSpec(file, s)))]);
  }
  return graph;
}

/** Files reachable from `start` (itself included). */
function closure(graph: Map<string, string[]>, start: string): Set<string> {
  const seen = new Set<string>([start]);
  const stack = [start];
  while (stack.length) for (const next of graph.get(stack.pop()!) ?? []) if (!seen.has(next)) seen.add(next), stack.push(next);
  return seen;
}

describe("layering", () => {
  const graph = importGraph();
  const inFolder = (folder: string) => (file: string) => file.startsWith(join(KERNEL, folder) + "/");
  const show = (file: string) => (file.startsWith("/") ? relative(ROOT, file) : file);

  test("the import graph is read (the checkpoint readers import the tree)", () => {
    assert.ok(graph.size > 50, `${graph.size} files`);
    assert.ok(graph.get(join(KERNEL, "checkpoint", "hf-folder.ts"))!.includes(join(KERNEL, "model", "weight-tree.ts")));
    assert.ok(graph.get(join(KERNEL, "model", "luke.ts"))!.includes(join(KERNEL, "model", "weight-tree.ts")));
  });

  test("kernel/model imports nothing from kernel/checkpoint", () => {
    const wrong = [...graph].flatMap(([file, deps]) =>
      inFolder("model")(file) ? deps.filter(inFolder("checkpoint")).map((d) => `${show(file)} → ${show(d)}`) : [],
    );
    assert.deepEqual(wrong, []);
  });

  test("the tree and the checkpoint readers load no TF.js and no backend", () => {
    const starts = [join(KERNEL, "model", "weight-tree.ts"), ...[...graph.keys()].filter(inFolder("checkpoint"))];
    for (const start of starts) {
      const reached = [...closure(graph, start)];
      const tfjs = reached.filter((f) => f.startsWith("@tensorflow/") || inFolder("backend")(f));
      assert.deepEqual(tfjs.map(show), [], `${show(start)} reaches TF.js`);
    }
  });

  test("no import cycle runs through kernel/model or kernel/checkpoint", () => {
    const ours = [...graph.keys()].filter((f) => inFolder("model")(f) || inFolder("checkpoint")(f));
    const cycles = ours.filter((file) => (graph.get(file) ?? []).some((dep) => dep.startsWith("/") && closure(graph, dep).has(file)));
    assert.deepEqual(cycles.map(show), []);
  });
});
