/**
 * LukeModel: the LUKE network with one of its task heads, on TF.js. A port of
 * transformers/models/luke/modeling_luke.py (LukeModel, LukeForEntityClassification,
 * LukeForEntityPairClassification, LukeForEntitySpanClassification, LukeForMaskedLM) that gives
 * the same numbers in eval mode.
 *
 *   embeddings:  words → X_w [B, Lw, H]      entities → X_e [B, Le, H]      (embeddings.ts)
 *   encoder:     X = [X_w; X_e] through L post-LN layers of entity-aware attention + FFN (attention.ts, encoder.ts)
 *   outputs:     last_hidden_state = X[:, :Lw], entity_last_hidden_state = X[:, Lw:], pooler on <s>
 *   head:        logits (heads.ts), loss (losses.ts)
 *
 * Weights are tf.Variables (weights.ts) in the tree of weight-tree.ts; they come in and go out as
 * a StateDict in Hugging Face names and PyTorch layouts. Tensors returned by forward() belong to the caller.
 */
import { tf } from "../backend";
import { extendedAttentionMask } from "./attention";
import type { LukeConfig } from "./config";
import { entityEmbeddings, wordEmbeddings } from "./embeddings";
import { encoder, pooler } from "./encoder";
import { entityClassification, entityPairClassification, entityPredictions, entitySpanClassification, lmHead } from "./heads";
import { checkHeadMask, checkInputs, type LukeInputs } from "./inputs";
import { classificationLoss, maskedLmLoss, type ProblemType } from "./losses";
import { Dropout } from "./ops";
import type { StateDict } from "./tensor-data";
import { checkWeights, declareWeights, normaliseLukeKeys, weightShapes, type LukeHead, type WeightSpec } from "./weight-tree";
import { variableFromData, variableFromInit, variableNamer, variableToData, type LukeWeights } from "./weights";

export type { LukeInputs } from "./inputs";
export type { LukeHead } from "./weight-tree";

export interface ForwardOptions {
  /** Dropout on (hidden, attention and classifier dropout). Default false. */
  training?: boolean;
  outputAttentions?: boolean;
  outputHiddenStates?: boolean;
  /** [nh] or [numLayers, nh]: 1 keeps a head, 0 silences it (multiplies the attention probabilities). */
  headMask?: tf.Tensor;
  /** Makes training-mode dropout reproducible. */
  seed?: number;
}

export interface LossOptions {
  /** Classification heads: which loss (see LukeModel.loss). */
  problemType?: ProblemType;
  /** masked_lm: the entity logits and their labels, for masked entity prediction. */
  entityLogits?: tf.Tensor;
  entityLabels?: tf.Tensor;
}

/** A type alias rather than an interface so it is a TensorContainer (tf.tidy can return it). */
export type LukeOutputs = {
  /** [B, Lw, H] */
  lastHiddenState: tf.Tensor3D;
  /** [B, Le, H]; present when the input had entities. */
  entityLastHiddenState?: tf.Tensor3D;
  /** [B, H]: tanh(dense(<s>)). Every LUKE head keeps the pooler, so it is always computed. */
  poolerOutput?: tf.Tensor2D;
  /** L + 1 tensors [B, Lw, H]: embeddings, then each layer; with outputHiddenStates. */
  hiddenStates?: tf.Tensor3D[];
  /** L + 1 tensors [B, Le, H]; with outputHiddenStates and entities. */
  entityHiddenStates?: tf.Tensor3D[];
  /** L tensors [B, nh, Lw + Le, Lw + Le] (words then entities on both axes); with outputAttentions. */
  attentions?: tf.Tensor4D[];
  /** [B, n] (entity / pair classification), [B, Le, n] (span), [B, Lw, V] (masked LM). */
  logits?: tf.Tensor;
  /** [B, Le, entity_vocab_size] (masked LM with entities). */
  entityLogits?: tf.Tensor;
};

/** architectures[0] in config.json → head. */
const ARCHITECTURE_HEADS: Readonly<Record<string, LukeHead>> = {
  LukeForEntityClassification: "entity_classification",
  LukeForEntityPairClassification: "entity_pair_classification",
  LukeForEntitySpanClassification: "entity_span_classification",
  LukeForMaskedLM: "masked_lm",
  LukeModel: "none",
  LukeEntityAwareAttentionModel: "none", // the first luke-large config
};

export class LukeModel {
  private readonly weights: LukeWeights;
  private readonly specs: WeightSpec[] = [];
  private readonly variables: tf.Variable[] = [];
  private disposed = false;

  /**
   * One forward pass. Inputs are validated first (shapes, dtypes, id ranges) and never disposed;
   * every returned tensor belongs to the caller.
   */
  forward(inputs: LukeInputs, options: ForwardOptions = {}): LukeOutputs {
    this.assertLive();
    checkInputs(inputs, this.config, this.head);
    if (options.headMask) checkHeadMask(options.headMask, this.config);
    const { config: c, weights: w } = this;
    const dropout = new Dropout(options.training ?? false, options.seed);
    return tf.tidy(() => {
      const [batch, wordLength] = inputs.inputIds.shape;
      const words = wordEmbeddings(
        w.luke.embeddings,
        c,
        inputs.inputIds,
        inputs.tokenTypeIds ?? tf.zerosLike(inputs.inputIds),
        dropout,
      );
      const entityIds = inputs.entityIds && inputs.entityIds.shape[1] > 0 ? inputs.entityIds : undefined;
      let x = words;
      let entityMask: tf.Tensor2D | undefined;
      if (entityIds) {
        entityMask = inputs.entityAttentionMask ?? tf.onesLike(entityIds);
        const entities = entityEmbeddings(
          w.luke.entity_embeddings,
          c,
          entityIds,
          inputs.entityPositionIds!,
          inputs.entityTokenTypeIds ?? tf.zerosLike(entityIds),
          dropout,
        );
        x = tf.concat([words, entities], 1);
      }
      const mask = extendedAttentionMask(inputs.attentionMask ?? tf.onesLike(inputs.inputIds), entityMask);
      const encoded = encoder(w.luke.encoder.layer, x, { config: c, wordLength, mask, dropout }, {
        headMask: options.headMask,
        keepStates: options.outputHiddenStates ?? false,
        keepAttentions: options.outputAttentions ?? false,
      });

      // [B, Lw + Le, H] → words [B, Lw, H] and entities [B, Le, H]
      const H = c.hiddenSize;
      // Without entities the whole sequence is words; clone so every output is its own handle
      // (disposing lastHiddenState must not dispose hiddenStates[L]).
      const wordPart = (t: tf.Tensor3D) => (entityIds ? tf.slice(t, [0, 0, 0], [batch, wordLength, H]) : tf.clone(t));
      const entityPart = (t: tf.Tensor3D) => tf.slice(t, [0, wordLength, 0], [batch, -1, H]);

      const out: LukeOutputs = { lastHiddenState: wordPart(encoded.x) };
      if (entityIds) out.entityLastHiddenState = entityPart(encoded.x);
      out.poolerOutput = pooler(w.luke.pooler, out.lastHiddenState);
      if (encoded.states) {
        out.hiddenStates = encoded.states.map(wordPart);
        if (entityIds) out.entityHiddenStates = encoded.states.map(entityPart);
      }
      if (encoded.attentions) out.attentions = encoded.attentions;
      this.applyHead(out, inputs, dropout);
      return out;
    });
  }

  private applyHead(out: LukeOutputs, inputs: LukeInputs, dropout: Dropout): void {
    const { config: c, weights: w } = this;
    const entities = out.entityLastHiddenState;
    switch (this.head) {
      case "none":
        return;
      case "entity_classification":
        out.logits = entityClassification(w.classifier!, c, entities!, dropout);
        return;
      case "entity_pair_classification":
        out.logits = entityPairClassification(w.classifier!, c, entities!, dropout);
        return;
      case "entity_span_classification":
        out.logits = entitySpanClassification(
          w.classifier!,
          c,
          out.lastHiddenState,
          entities!,
          inputs.entityStartPositions!,
          inputs.entityEndPositions!,
          dropout,
        );
        return;
      case "masked_lm":
        out.logits = lmHead(w.lm_head!, c, w.luke.embeddings.word_embeddings.weight, out.lastHiddenState);
        if (entities) {
          out.entityLogits = entityPredictions(w.entity_predictions!, c, w.luke.entity_embeddings.entity_embeddings.weight, entities);
        }
        return;
    }
  }

  /**
   * The head's training loss, as transformers computes it. Classification heads need
   * `problemType` (transformers' names): "single_label_classification" is cross-entropy over int32
   * class indices (ignore_index −100), "multi_label_classification" BCE-with-logits over float32
   * multi-hot targets of the logits' shape. masked_lm: CE over word logits, plus CE over entity
   * logits when `entityLogits` and `entityLabels` are given, both ignoring −100.
   */
  loss(logits: tf.Tensor, labels: tf.Tensor, options: LossOptions = {}): tf.Scalar {
    switch (this.head) {
      case "none":
        throw new Error('a LukeModel with head "none" has no loss: it produces no logits');
      case "masked_lm":
        return maskedLmLoss(logits, labels, options.entityLogits, options.entityLabels);
      default:
        if (options.entityLabels) throw new Error(`entity labels only apply to the masked_lm head, not ${this.head}`);
        if (!options.problemType) {
          throw new Error(
            `the ${this.head} head's loss needs a problemType: "single_label_classification" (int32 class indices, ` +
              `cross-entropy) or "multi_label_classification" (float32 multi-hot targets, BCE-with-logits)`,
          );
        }
        return classificationLoss(logits, labels, options.problemType);
    }
  }

  private constructor(
    readonly config: LukeConfig,
    readonly head: LukeHead,
    makeVariable: (spec: WeightSpec) => tf.Variable,
  ) {
    try {
      this.weights = declareWeights(config, head, (spec) => {
        const v = makeVariable(spec);
        this.specs.push(spec);
        this.variables.push(v);
        return v;
      });
    } catch (err) {
      tf.dispose(this.variables);
      throw err;
    }
  }


  /**
   * A model from Hugging Face weights: base weights under `luke.` (bare LukeModel files without
   * the prefix are accepted too), head weights as transformers names them (classifier.*, lm_head.*,
   * entity_predictions.*). Keys are normalised with normaliseLukeKeys (tied decoders and
   * position_ids are ignored) and checked with checkWeights: anything mis-shaped, missing or
   * unexpected fails in one error that lists it all, starting with `where` (the file or folder;
   * default "state dict"). The head defaults to inferHead.
   */
  static fromStateDict(config: LukeConfig, weights: StateDict, options: { head?: LukeHead; where?: string } = {}): LukeModel {
    const where = options.where ?? "state dict";
    const { stateDict } = normaliseLukeKeys(weights, where);
    const head = options.head ?? LukeModel.inferHead(config, stateDict.keys());
    checkWeights(stateDict, weightShapes(config, head), where, head);
    const name = variableNamer();
    return new LukeModel(config, head, (spec) => variableFromData(spec, stateDict.get(spec.name)!.data as Float32Array, name(spec.name)));
  }

  /**
   * Freshly initialised, as transformers' _init_weights: Linear and Embedding weights
   * normal(0, initializer_range) with padding rows zeroed, biases zero, LayerNorm ones/zeros.
   */
  static random(config: LukeConfig, options: { head?: LukeHead; seed?: number } = {}): LukeModel {
    const head = options.head ?? "none";
    const name = variableNamer();
    let index = 0;
    return new LukeModel(config, head, (spec) => {
      const seed = options.seed === undefined ? undefined : options.seed + index++;
      return variableFromInit(spec, config.initializerRange, seed, name(spec.name));
    });
  }

  /** Every weight the checkpoint must hold for `head`: name → PyTorch shape ([out, in] for Linear). */
  static expectedWeights(config: LukeConfig, head: LukeHead): Map<string, number[]> {
    return weightShapes(config, head);
  }

  /**
   * The head a checkpoint was saved with: from config.architectures[0] when present, else from
   * the weight names (lm_head.* → masked_lm; a bias-free classifier → pair; no head weights → none).
   */
  static inferHead(config: LukeConfig, names: Iterable<string>): LukeHead {
    const architecture = config.architectures?.[0];
    if (architecture !== undefined) {
      const head = ARCHITECTURE_HEADS[architecture];
      if (!head) {
        throw new Error(
          `architecture "${architecture}" has no LUKE head here; supported: ${Object.keys(ARCHITECTURE_HEADS).join(", ")}`,
        );
      }
      return head;
    }
    const all = new Set(names);
    const has = (prefix: string) => [...all].some((n) => n.startsWith(prefix));
    if (has("lm_head.") || has("entity_predictions.")) return "masked_lm";
    if (all.has("classifier.weight")) {
      if (!all.has("classifier.bias")) return "entity_pair_classification";
      throw new Error(
        "the weights have a biased classifier, which fits both entity_classification and entity_span_classification; " +
          "set config.architectures or pass the head explicitly",
      );
    }
    return "none";
  }

  /** Every weight in Hugging Face names and PyTorch layouts, ready to be saved as a checkpoint. */
  stateDict(): StateDict {
    this.assertLive();
    return new Map(this.specs.map((spec, i) => [spec.name, variableToData(spec, this.variables[i])]));
  }

  /** The variables an optimizer updates, in state-dict order. */
  trainableVariables(): tf.Variable[] {
    this.assertLive();
    return [...this.variables];
  }

  /** trainableVariables() with their Hugging Face names (what picks AdamW's no-decay group). */
  namedVariables(): { name: string; variable: tf.Variable }[] {
    this.assertLive();
    return this.specs.map((spec, i) => ({ name: spec.name, variable: this.variables[i] }));
  }

  dispose(): void {
    if (this.disposed) return;
    tf.dispose(this.variables);
    this.disposed = true;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error("this LukeModel was disposed");
  }
}


