/** Small numeric helpers shared across layers. */

/** The logistic function, without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Labels of the ticks k·step (k = 0 … count), all with the decimals the step needs (at most 6) so an
 * axis reads evenly: step 0.0125 gives 0, 0.0125, 0.0250, 0.0375, 0.0500 (toFixed(3) would give 0.013
 * but 0.007 for 0.0075, as binary fractions fall either side of the half). Rounded on integers.
 */
export function tickLabels(step: number, count: number): string[] {
  let d = 0;
  while (d < 6 && Math.abs(step * 10 ** d - Math.round(step * 10 ** d)) > 1e-6 * Math.max(1, step * 10 ** d)) d++;
  const unit = Math.round(step * 10 ** d);
  return Array.from({ length: count + 1 }, (_, k) => {
    const n = k * unit;
    const whole = Math.floor(n / 10 ** d), frac = n - whole * 10 ** d;
    return d === 0 ? String(whole) : `${whole}.${String(frac).padStart(d, "0")}`;
  });
}

/**
 * A whole number with commas between groups of three digits ("40,000"), as toLocaleString("en")
 * writes it, without Intl: the first Intl call in a worker loads locale data (over 10 ms, in the
 * middle of a first render).
 */
export function groupThousands(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString("en");
  const digits = String(Math.abs(n));
  let out = "";
  for (let i = 0; i < digits.length; i++) out += (i > 0 && (digits.length - i) % 3 === 0 ? "," : "") + digits[i];
  return n < 0 ? `-${out}` : out;
}
