/**
 * Training losses of the LUKE heads, as transformers computes them:
 * softmax cross-entropy over class indices (ignore_index −100, mean over the rest) and
 * BCE-with-logits over multi-hot targets (mean over every element).
 *
 * Which one applies is the caller's explicit choice, in transformers' names (`problem_type`):
 * single-label labels are int32 class indices (shape = logits' shape without the class axis),
 * multi-label targets are float32 in [0, 1] (shape = logits' shape).
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
    // log p of each row's label as a one-hot product: the same number as a gather, and one fused sum.
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

/** transformers' `problem_type` values for the two classification losses. */
export type ProblemType = "single_label_classification" | "multi_label_classification";

/** Cross-entropy (single label) or BCE-with-logits (multi label); each checks its labels' dtype and shape. */
export function classificationLoss(logits: tf.Tensor, labels: tf.Tensor, problemType: ProblemType): tf.Scalar {
  switch (problemType) {
    case "single_label_classification":
      return crossEntropyLoss(logits, labels);
    case "multi_label_classification":
      return binaryCrossEntropyWithLogitsLoss(logits, labels);
    default:
      throw new Error(`problemType must be "single_label_classification" or "multi_label_classification", found ${JSON.stringify(problemType)}`);
  }
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
