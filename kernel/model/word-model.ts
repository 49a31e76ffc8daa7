/**
 * WordModel: BERT, RoBERTa and GPT-2 on TF.js, as transformers' BertModel, RobertaModel and
 * GPT2Model compute them in eval mode, with attentions and hidden states out.
 *
 *   bert, roberta  embeddings (embeddings.ts; positions 0, 1, … for BERT, from padding_idx + 1 for
 *                  RoBERTa) → LUKE's post-LN encoder (encoder.ts) over words only
 *   gpt2           wte + wpe → L pre-LN blocks: x + attn(ln_1(x)), then x + mlp(ln_2(x)), with
 *                  LUKE's self-attention (attention.ts) under a causal mask → ln_f
 *
 * Weights are tf.Variables (weights.ts) in the trees of word-model-weights.ts. Tensors returned by
 * forward() belong to the caller.
 */
import { tf } from "../backend";
import { extendedAttentionMask, selfAttention } from "./attention";
import { wordEmbeddings } from "./embeddings";
import { encoder } from "./encoder";
import { Dropout, activation, embed, layerNorm, linear } from "./ops";
import { checkWeights, type WeightSpec } from "./weight-tree";
import type { StateDict } from "./tensor-data";
import type { WordModelConfig } from "./word-model-config";
import { declareWordModelWeights, normaliseWordModelKeys, wordModelWeightShapes, type Gpt2LayerWeights, type Gpt2Weights, type WordModelWeights } from "./word-model-weights";
import { variableFromData, variableNamer } from "./weights";

export interface WordModelInputs {
  /** [B, L] int32 */
  inputIds: tf.Tensor2D;
  /** [B, L]; 1 for real tokens, 0 for padding. Default: all ones. */
  attentionMask?: tf.Tensor2D;
  /** [B, L] (BERT, RoBERTa); default zeros. */
  tokenTypeIds?: tf.Tensor2D;
}

export type WordModelOutputs = {
  /** [B, L, H] (GPT-2: after ln_f). */
  lastHiddenState: tf.Tensor3D;
  /** L + 1 tensors [B, L, H]: embeddings, then each layer (GPT-2's last one after ln_f); with outputHiddenStates. */
  hiddenStates?: tf.Tensor3D[];
  /** L tensors [B, nh, L, L]; with outputAttentions. */
  attentions?: tf.Tensor4D[];
};

export class WordModel {
  private readonly weights: WordModelWeights<tf.Variable>;
  private readonly variables: tf.Variable[] = [];
  private disposed = false;

  private constructor(
    readonly config: WordModelConfig,
    makeVariable: (spec: WeightSpec) => tf.Variable,
    pooler: boolean,
  ) {
    try {
      this.weights = declareWordModelWeights(
        config,
        (spec) => {
          const v = makeVariable(spec);
          this.variables.push(v);
          return v;
        },
        { pooler },
      );
    } catch (err) {
      tf.dispose(this.variables);
      throw err;
    }
  }

  /**
   * A model from Hugging Face weights (BertModel/RobertaModel/GPT2Model files, or task-model files
   * whose base model is under `bert.`, `roberta.`, `transformer.`; head weights are left out).
   * Anything missing, mis-shaped or unexpected fails in one error starting with `where`.
   */
  static fromStateDict(config: WordModelConfig, weights: StateDict, options: { where?: string } = {}): WordModel {
    const where = options.where ?? "state dict";
    const { stateDict, pooler } = normaliseWordModelKeys(config.modelType, weights);
    checkWeights(stateDict, wordModelWeightShapes(config, { pooler }), where);
    const name = variableNamer();
    return new WordModel(config, (spec) => variableFromData(spec, stateDict.get(spec.name)!.data as Float32Array, name(spec.name)), pooler);
  }

  get numParameters(): number {
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  /** One forward pass; inputs are never disposed, every returned tensor belongs to the caller. */
  forward(inputs: WordModelInputs, options: { outputAttentions?: boolean; outputHiddenStates?: boolean } = {}): WordModelOutputs {
    if (this.disposed) throw new Error(`this ${this.config.modelType} model was disposed`);
    this.checkInputs(inputs);
    const keep = { keepStates: options.outputHiddenStates ?? false, keepAttentions: options.outputAttentions ?? false };
    const dropout = new Dropout(false);
    return tf.tidy(() => {
      const [batch, length] = inputs.inputIds.shape;
      const attentionMask = inputs.attentionMask ?? tf.onesLike(inputs.inputIds);
      const w = this.weights;
      if (w.modelType === "gpt2") return this.gpt2(w.tree, inputs.inputIds, attentionMask, keep, dropout);
      const c = this.config;
      // BERT counts positions from 0; RoBERTa from padding_idx + 1 (wordEmbeddings' default).
      const positions = c.modelType === "bert" ? tf.tile(tf.expandDims(tf.range(0, length, 1, "int32"), 0), [batch, 1]) : undefined;
      const tokenTypes = inputs.tokenTypeIds ?? tf.zerosLike(inputs.inputIds);
      const x = wordEmbeddings(w.tree.embeddings, c, inputs.inputIds, tokenTypes, dropout, positions as tf.Tensor2D | undefined);
      const encoded = encoder(w.tree.encoder.layer, x, { config: c, wordLength: length, mask: extendedAttentionMask(attentionMask), dropout }, keep);
      const out: WordModelOutputs = { lastHiddenState: keep.keepStates ? tf.clone(encoded.x) : encoded.x };
      if (encoded.states) out.hiddenStates = encoded.states;
      if (encoded.attentions) out.attentions = encoded.attentions;
      return out;
    });
  }

  /** GPT2Model: pre-LN blocks under a causal mask, then ln_f. */
  private gpt2(
    w: Gpt2Weights<tf.Variable>,
    inputIds: tf.Tensor2D,
    attentionMask: tf.Tensor2D,
    keep: { keepStates: boolean; keepAttentions: boolean },
    dropout: Dropout,
  ): WordModelOutputs {
    const c = this.config;
    const length = inputIds.shape[1];
    const positions = tf.expandDims(tf.range(0, length, 1, "int32"), 0);
    let x = dropout.apply(tf.add(embed(w.wte, inputIds), embed(w.wpe, positions)), c.embeddingDropoutProb) as tf.Tensor3D;
    const mask = extendedAttentionMask(attentionMask, undefined, { causal: true });
    const states: tf.Tensor3D[] = [x];
    const attentions: tf.Tensor4D[] = [];
    for (const layer of w.h) {
      const { x: next, probs } = this.gpt2Block(layer, x, mask, dropout);
      x = next;
      states.push(x);
      attentions.push(probs);
    }
    const last = layerNorm(x, w.ln_f, c.layerNormEps) as tf.Tensor3D;
    states[states.length - 1] = last; // transformers reports the last state after ln_f
    const out: WordModelOutputs = { lastHiddenState: keep.keepStates ? tf.clone(last) : last };
    if (keep.keepStates) out.hiddenStates = states;
    if (keep.keepAttentions) out.attentions = attentions;
    return out;
  }

  private gpt2Block(p: Gpt2LayerWeights<tf.Variable>, x: tf.Tensor3D, mask: tf.Tensor4D, dropout: Dropout): { x: tf.Tensor3D; probs: tf.Tensor4D } {
    const c = this.config;
    // c_attn holds the query, key and value projections side by side: [H, 3H] and [3H].
    const [qk, kk, vk] = tf.split(p.attn.c_attn.kernel, 3, 1);
    const [qb, kb, vb] = tf.split(p.attn.c_attn.bias!, 3, 0);
    const projections = { query: { kernel: qk, bias: qb }, key: { kernel: kk, bias: kb }, value: { kernel: vk, bias: vb } };
    const normed = layerNorm(x, p.ln_1, c.layerNormEps) as tf.Tensor3D;
    const { context, probs } = selfAttention(projections, normed, { config: c, wordLength: x.shape[1], mask, dropout });
    const attended = tf.add(x, dropout.apply(linear(context, p.attn.c_proj), c.hiddenDropoutProb));
    const hidden = activation(c.hiddenAct)(linear(layerNorm(attended, p.ln_2, c.layerNormEps), p.mlp.c_fc));
    return { x: tf.add(attended, dropout.apply(linear(hidden, p.mlp.c_proj), c.hiddenDropoutProb)) as tf.Tensor3D, probs };
  }

  private checkInputs(inputs: WordModelInputs): void {
    const ids = inputs.inputIds;
    if (!ids || ids.rank !== 2 || ids.dtype !== "int32") throw new Error("inputIds must be an int32 tensor of shape [batch, length]");
    const length = ids.shape[1];
    const c = this.config;
    const offset = c.modelType === "roberta" ? c.padTokenId + 1 : 0;
    if (length + offset > c.maxPositionEmbeddings) {
      throw new Error(`inputs of ${length} tokens are longer than the ${c.maxPositionEmbeddings - offset} positions this ${c.modelType} model has`);
    }
    for (const [name, t] of [["attentionMask", inputs.attentionMask], ["tokenTypeIds", inputs.tokenTypeIds]] as const) {
      if (t && (t.rank !== 2 || t.shape[0] !== ids.shape[0] || t.shape[1] !== length)) {
        throw new Error(`${name} has shape [${t.shape.join(", ")}], expected [${ids.shape.join(", ")}] like inputIds`);
      }
    }
  }

  dispose(): void {
    if (this.disposed) return;
    tf.dispose(this.variables);
    this.disposed = true;
  }
}
