/**
 * Comparisons between groups of a probe run: for every measure (a label score, the attention from
 * the mention or the [MASK] entity to a target word at the probe's layer, or the difference of two
 * such attentions, a contrast) and every pair of groups,
 * the means, their difference, Welch's t-test and a permutation test.
 *
 * The examples of a group are its fillers in every template ("all"), or, with by_template, its
 * fillers in one template. Every comparison uses the same seed, so each is reproducible on its own.
 */
import { mean, permutationTest, sampleVariance, welchTTest } from "./stats";
import type { AttentionFrom } from "./probe";
import type { ProbeExample, ProbeRun } from "./run";

/** A number per example that groups are compared on. */
export interface Measure {
  /** Stable key, used in file names and tables: "score:person", "attention:mention:doctor", "attention:entity:doctor-nurse". */
  key: string;
  /** Human-readable name for tables and figures. */
  title: string;
  kind: "score" | "attention";
  label?: string;
  from?: AttentionFrom;
  target?: string;
  /** The value of an example. */
  value(example: ProbeExample): number;
}

/** Measures of a run: the compared label scores, then attention from each source to each target at the probe's layer. */
export function probeMeasures(run: ProbeRun): Measure[] {
  const out: Measure[] = run.compared.map((label) => ({
    key: `score:${label}`,
    title: `score of ${label}`,
    kind: "score" as const,
    label,
    value: (e: ProbeExample) => e.scores[label],
  }));
  for (const from of run.probe.from) {
    for (const target of run.probe.targets) {
      out.push({
        key: `attention:${from}:${target}`,
        title: `attention ${from === "entity" ? "[MASK] entity" : "mention"} → ${target}, layer ${run.layer}`,
        kind: "attention",
        from,
        target,
        value: (e: ProbeExample) => e.attention[from]![target][run.layer],
      });
    }
  }
  for (const from of run.probe.from) {
    for (const [a, b] of run.probe.contrasts) {
      out.push({
        key: `attention:${from}:${a}-${b}`,
        title: `attention ${from === "entity" ? "[MASK] entity" : "mention"} → ${a} minus → ${b}, layer ${run.layer}`,
        kind: "attention",
        from,
        target: `${a}-${b}`,
        value: (e: ProbeExample) => e.attention[from]![a][run.layer] - e.attention[from]![b][run.layer],
      });
    }
  }
  return out;
}

/** One row of the comparisons table. */
export interface Comparison {
  measure: string;
  title: string;
  /** "all" (every template) or a template id. */
  template: string;
  groupA: string;
  groupB: string;
  nA: number;
  nB: number;
  meanA: number;
  meanB: number;
  /** Sample standard deviations (ddof 1). */
  sdA: number;
  sdB: number;
  /** meanA − meanB. */
  difference: number;
  t: number;
  df: number;
  pWelch: number;
  pPermutation: number;
  /** Splits in the permutation null distribution, and whether they were all of them. */
  permutations: number;
  exact: boolean;
}

export interface CompareOptions {
  /** Random splits for the permutation test (default 9999; fewer distinct splits → exact test). */
  permutations?: number;
  /** Seed of the permutation test's draws (default 0). */
  seed?: number;
}

/** The examples of a group in a scope ("all" or a template id), in run order. */
export function groupExamples(run: ProbeRun, group: string, template = "all"): ProbeExample[] {
  return run.examples.filter((e) => e.group === group && (template === "all" || e.template === template));
}

/** Every comparison of a run: measures × scopes × pairs. */
export function compareGroups(run: ProbeRun, options: CompareOptions = {}): Comparison[] {
  const scopes = ["all", ...(run.probe.byTemplate ? run.probe.templates.map((t) => t.id) : [])];
  const rows: Comparison[] = [];
  for (const m of probeMeasures(run)) {
    for (const template of scopes) {
      for (const [groupA, groupB] of run.probe.compare) {
        const a = groupExamples(run, groupA, template).map(m.value);
        const b = groupExamples(run, groupB, template).map(m.value);
        const welch = welchTTest(a, b);
        const perm = permutationTest(a, b, { resamples: options.permutations, seed: options.seed });
        rows.push({
          measure: m.key,
          title: m.title,
          template,
          groupA,
          groupB,
          nA: a.length,
          nB: b.length,
          meanA: mean(a),
          meanB: mean(b),
          sdA: Math.sqrt(sampleVariance(a)),
          sdB: Math.sqrt(sampleVariance(b)),
          difference: perm.statistic,
          t: welch.t,
          df: welch.df,
          pWelch: welch.p,
          pPermutation: perm.p,
          permutations: perm.resamples,
          exact: perm.exact,
        });
      }
    }
  }
  return rows;
}
