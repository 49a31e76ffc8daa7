/**
 * Bias probes: templates such as "The doctor asked the nurse a question . {name}" filled with groups
 * of names or pronouns; the model's label scores and the attention from the name to "doctor" and
 * "nurse", compared between groups with Welch's t-test and a permutation test (SciPy's numbers).
 */
export { ATTENTION_FROM, BiasProbeError, biasProbe, checkProbe, fillProbe, fillTemplate, objectProbeSource, readProbeFile, wordOccurrences } from "./probe";
export type { AttentionFrom, BiasProbe, BiasProbeDefinition, FilledTemplate, ProbeSource, ProbeTemplate } from "./probe";
export { runProbe } from "./run";
export type { ProbeExample, ProbeRun, RunProbeOptions } from "./run";
export { compareGroups, groupExamples, probeMeasures } from "./compare";
export type { Comparison, CompareOptions, Measure } from "./compare";
export { logBeta, logGamma, numpySum, permutationTest, regularizedIncompleteBeta, studentTCdf, studentTTwoSided, welchTTest } from "./stats";
export type { PermutationOptions, PermutationResult, WelchResult } from "./stats";
export { comparisonFigure, formatP, layerFigure } from "./figures";
export { analyseBiasProbe, comparisonsTable, examplesTable, writeBiasReport } from "./report";
export type { BiasReport, WrittenBiasReport } from "./report";
export { USAGE as BIAS_USAGE, BiasUsageError } from "./cli-command";
