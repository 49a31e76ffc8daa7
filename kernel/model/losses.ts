/**
 * Training losses of the LUKE heads, as transformers computes them:
 * softmax cross-entropy over class indices (ignore_index −100, mean over the rest) and
 * BCE-with-logits over multi-hot targets (mean over every element).
 *
 * Which one applies is said by the labels' dtype, not guessed from their rank: int32 labels are
 * class indices (shape = logits' shape without the class axis), float32 labels are targets in
 * [0, 1] (shape = logits' shape). For each head this gives the same choice transformers makes
 * from labels.ndim.
 */
import { tf } from "../backend";

/** PyTorch's default ignore_index: labels equal to it add nothing to the loss or its mean. */
export const IGNORE_INDEX = -100;

const fmt = (shape: readonly number[]) => `[${shape.join(", ")}]`;

/** torch.nn.functional.cross_entropy(logits.view(-1, n), labels.view(-1)) → scalar. */
export function crossEntropyLoss(logits: tf.Tensor, labels: tf.Tensor, ignoreIndex = IGNORE_INDEX): tf.Scalar {
  const numClasses = logits.shape[logits.rank - 1];
  const expected = logits.shape.slice(0, -1);
  if (labels.dtype !== "int32" || labels.shape.join() !== expected.join()) {
    throw new Error(
      `cross-entropy labels must be int32 class indices of shape ${fmt(expected)} for logits ${fmt(logits.shape)}, ` +
        `found ${labels.dtype} ${fmt(labels.shape)}`,
    );
  }
  // Out-of-range labels would pick a zero one-hot row and silently lower the loss; torch raises.
  const values = labels.dataSync();
  const bad = values.findIndex((v) => v !== ignoreIndex && (v < 0 || v >= numClasses));
  if (bad >= 0) {
    throw new Error(`cross-entropy label ${values[bad]} at flat index ${bad} is outside [0, ${numClasses}) and is not ${ignoreIndex}`);
  }
  return tf.tidy(() => {
    const flatLogits = tf.reshape(logits, [-1, numClasses]);
    const flatLabels = tf.reshape(labels, [-1]);
    const kept = tf.notEqual(flatLabels, ignoreIndex);
    const safeLabels = tf.where(kept, flatLabels, tf.zerosLike(flatLabels));
    // One-hot rather than gather: its gradient needs no UnsortedSegmentSum, which wasm lacks.
    const picked = tf.sum(tf.mul(tf.logSoftmax(flatLogits), tf.oneHot(safeLabels, numClasses)), 1); // [N]
    const weight = tf.cast(kept, "float32");
    // All labels ignored gives 0/0 = NaN, as in PyTorch.
    return tf.neg(tf.div(tf.sum(tf.mul(picked, weight)), tf.sum(weight))) as tf.Scalar;
  });
}

/** torch.nn.functional.binary_cross_entropy_with_logits(logits.view(-1), targets.view(-1)) → scalar. */
export function binaryCrossEntropyWithLogitsLoss(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  if (targets.dtype !== "float32" || targets.shape.join() !== logits.shape.join()) {
    throw new Error(
      `BCE targets must be float32 of the logits' shape ${fmt(logits.shape)}, found ${targets.dtype} ${fmt(targets.shape)}`,
    );
  }
  return tf.tidy(() => {
    // max(x, 0) − x·z + log(1 + e^−|x|): the stable form, finite for any logit.
    const perElement = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    return tf.mean(perElement) as tf.Scalar;
  });
}

/** Cross-entropy for int32 labels, BCE for float32 targets (see the file comment). */
export function classificationLoss(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  if (labels.dtype === "int32") return crossEntropyLoss(logits, labels);
  if (labels.dtype === "float32") return binaryCrossEntropyWithLogitsLoss(logits, labels);
  throw new Error(`labels must be int32 (class indices) or float32 (multi-label targets), found ${labels.dtype}`);
}

/**
 * LukeForMaskedLM's loss: CE over the word logits, plus CE over the entity logits when entity
 * labels are given (masked entity prediction); both ignore −100.
 */
export function maskedLmLoss(
  logits: tf.Tensor,
  labels: tf.Tensor,
  entityLogits?: tf.Tensor,
  entityLabels?: tf.Tensor,
): tf.Scalar {
  if (!entityLabels) return crossEntropyLoss(logits, labels);
  if (!entityLogits) throw new Error("entity labels were given but there are no entity logits (the input had no entities)");
  return tf.tidy(() => tf.add(crossEntropyLoss(logits, labels), crossEntropyLoss(entityLogits, entityLabels)) as tf.Scalar);
}
