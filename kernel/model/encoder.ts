/**
 * The encoder stack and pooler: LukeLayer, LukeEncoder and LukePooler of
 * transformers/models/luke/modeling_luke.py (luke-reference.md §4).
 *
 * Words and entities travel as one sequence [words; entities]: every weight except the queries is
 * shared, so keys, values, output dense, FFN and LayerNorms run once over the concatenation, and
 * the split happens only where the queries differ and where results are reported.
 */
import { tf } from "../backend";
import { attention, type Pass } from "./attention";
import type { EncoderConfig } from "./config";
import { activation, layerNorm, linear } from "./ops";
import type { BaseWeights, LayerWeights } from "./weights";

export type LayerResult = {
  x: tf.Tensor3D;
  probs: tf.Tensor4D;
};

/** One post-LN block: A = LN(attn(X) + X); X' = LN(W2·act(W1·A) + A). */
export function encoderLayer(p: LayerWeights, x: tf.Tensor3D, pass: Pass): LayerResult {
  const { config } = pass;
  const { context: attended, probs } = attention(p.attention, x, pass);
  const hidden = activation(config.hiddenAct)(linear(attended, p.intermediate.dense));
  const ffn = pass.dropout.apply(linear(hidden, p.output.dense), config.hiddenDropoutProb);
  return { x: layerNorm(tf.add(ffn, attended), p.output.LayerNorm, config.layerNormEps) as tf.Tensor3D, probs };
}

export interface EncoderResult {
  /** [B, Lw + Le, H] after the last layer. */
  x: tf.Tensor3D;
  /** Embedding output, then each layer's output (L + 1), each [B, Lw + Le, H]; when asked for. */
  states?: tf.Tensor3D[];
  /** One [B, nh, Lw + Le, Lw + Le] per layer; when asked for. */
  attentions?: tf.Tensor4D[];
}

/**
 * headMask: [nh] (every layer) or [numLayers, nh]; 1 keeps a head, 0 silences it.
 * Each layer runs in its own tidy, so only what the caller asked to keep outlives the layer.
 */
export function encoder(
  layers: LayerWeights[],
  embeddings: tf.Tensor3D,
  pass: Omit<Pass, "headMask">,
  options: { headMask?: tf.Tensor; keepStates: boolean; keepAttentions: boolean },
): EncoderResult {
  const states: tf.Tensor3D[] | undefined = options.keepStates ? [embeddings] : undefined;
  const attentions: tf.Tensor4D[] | undefined = options.keepAttentions ? [] : undefined;
  let x = embeddings;
  layers.forEach((p, i) => {
    const result = tf.tidy(() => {
      const headMask = options.headMask && layerHeadMask(options.headMask, i, pass.config);
      return encoderLayer(p, x, { ...pass, headMask });
    });
    if (attentions) attentions.push(result.probs);
    else result.probs.dispose();
    // Free each layer's input once the next exists, unless the caller keeps all states.
    if (!states && x !== embeddings) x.dispose();
    x = result.x;
    states?.push(x);
  });
  return { x, states, attentions };
}

/** transformers' get_head_mask for one layer: [nh] or [layers, nh] → [1, nh, 1, 1]. */
function layerHeadMask(headMask: tf.Tensor, layer: number, config: EncoderConfig): tf.Tensor {
  const nh = config.numAttentionHeads;
  const perLayer = headMask.rank === 1 ? headMask : tf.squeeze(tf.slice(headMask, [layer, 0], [1, nh]), [0]);
  return tf.reshape(tf.cast(perLayer, "float32"), [1, nh, 1, 1]);
}

/** pooler_output = tanh(W·h[:, 0] + b), from the <s> word vector. */
export function pooler(p: BaseWeights["pooler"], lastHiddenState: tf.Tensor3D): tf.Tensor2D {
  const [batch, , hidden] = lastHiddenState.shape;
  const first = tf.reshape(tf.slice(lastHiddenState, [0, 0, 0], [batch, 1, hidden]), [batch, hidden]);
  return tf.tanh(linear(first, p.dense)) as tf.Tensor2D;
}
