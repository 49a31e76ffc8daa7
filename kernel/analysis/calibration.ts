/**
 * Calibration of the sigmoid probabilities of a multi-label run, as the original's meta-analysis
 * drew it: scikit-learn's `calibration_curve(y_true, y_prob, n_bins=10, strategy="uniform")` over all
 * labels × examples pooled (and here also per label), with the histogram of the probabilities and the
 * expected calibration error.
 *
 * Binning is scikit-learn's exactly: edges e_i = i · (1 / n_bins) (numpy's linspace), a probability p
 * goes to bin #{inner edges < p} (np.searchsorted, side "left": p = 0.3 lands in the bin (0.2, 0.3]),
 * sums run in input order (np.bincount), and empty bins are dropped from the curve.
 */
import type { PredictionsBlock } from "../tasks/entity-typing/results";
import { sigmoid } from "../portable/maths";

export const DEFAULT_BINS = 10;

export interface CalibrationCurve {
  /** Fraction of positives per non-empty bin (scikit-learn's prob_true). */
  probTrue: number[];
  /** Mean predicted probability per non-empty bin (prob_pred). */
  probPred: number[];
  /** Examples per non-empty bin. */
  counts: number[];
  /** Index of each non-empty bin among all bins. */
  bins: number[];
  /** n_bins + 1 bin edges from 0 to 1. */
  edges: number[];
  /** Examples per bin, all bins (the histogram of the probabilities). */
  histogram: number[];
  /** Expected calibration error: Σ over bins of n_b / N · |prob_true_b − prob_pred_b|. */
  ece: number;
  /** Number of (example, label) pairs. */
  n: number;
}

/** Bin edges as numpy.linspace(0, 1, nBins + 1) computes them. */
export function uniformEdges(nBins: number): number[] {
  const step = 1 / nBins;
  return Array.from({ length: nBins + 1 }, (_, i) => (i === nBins ? 1 : i * step));
}

/** scikit-learn's calibration_curve (uniform strategy) with the bin counts, histogram and ECE. */
export function calibrationCurve(yTrue: ArrayLike<number>, yProb: ArrayLike<number>, nBins = DEFAULT_BINS): CalibrationCurve {
  if (!Number.isInteger(nBins) || nBins < 1) throw new Error(`calibration curve: the number of bins must be a positive integer, got ${nBins}`);
  if (yTrue.length !== yProb.length) throw new Error(`calibration curve: ${yTrue.length} gold values but ${yProb.length} probabilities`);
  const edges = uniformEdges(nBins);
  const inner = edges.slice(1, -1);
  const sums = new Array<number>(nBins).fill(0);
  const positives = new Array<number>(nBins).fill(0);
  const histogram = new Array<number>(nBins).fill(0);
  for (let i = 0; i < yProb.length; i++) {
    const p = yProb[i];
    const y = yTrue[i];
    if (!(p >= 0 && p <= 1)) throw new Error(`calibration curve: probability ${i} is ${p}, outside [0, 1]`);
    if (y !== 0 && y !== 1) throw new Error(`calibration curve: gold value ${i} is ${y}; gold values must be 0 or 1`);
    let bin = 0;
    while (bin < inner.length && inner[bin] < p) bin++;
    sums[bin] += p;
    positives[bin] += y;
    histogram[bin]++;
  }
  const curve: CalibrationCurve = { probTrue: [], probPred: [], counts: [], bins: [], edges, histogram, ece: 0, n: yProb.length };
  for (let b = 0; b < nBins; b++) {
    if (histogram[b] === 0) continue;
    const probTrue = positives[b] / histogram[b];
    const probPred = sums[b] / histogram[b];
    curve.probTrue.push(probTrue);
    curve.probPred.push(probPred);
    curve.counts.push(histogram[b]);
    curve.bins.push(b);
    curve.ece += (histogram[b] / yProb.length) * Math.abs(probTrue - probPred);
  }
  return curve;
}

export interface RunCalibration {
  /** All labels × examples pooled, row by row (the original's curve). */
  pooled: CalibrationCurve;
  perLabel: Record<string, CalibrationCurve>;
}

/** Calibration of one split of a run: sigmoid(predict_logits) against true_labels. */
export function calibrationFromLogits(block: PredictionsBlock, labels: readonly string[], nBins = DEFAULT_BINS): RunCalibration {
  const probs = block.predict_logits.map((row) => row.map(sigmoid));
  const gold = block.true_labels;
  return {
    pooled: calibrationCurve(gold.flat(), probs.flat(), nBins),
    perLabel: Object.fromEntries(labels.map((label, j) => [label, calibrationCurve(gold.map((r) => r[j]), probs.map((r) => r[j]), nBins)])),
  };
}
