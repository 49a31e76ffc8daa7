/**
 * Analysis over runs: the run table (arquero), summaries over seeds, confusion matrices, calibration,
 * figures as Plotly JSON with a static SVG, and showing them in a notebook.
 */
export { SWEEP_PARAMETERS, METRIC_COLUMNS, findResultsFiles, loadRuns, runTable, taskOfRun, varyingParameters } from "./runs";
export type { MetricColumn, ParameterValue, RunCollection, RunRecord, RunTask, SkippedRun } from "./runs";
export { nerSplit, perTypeFigure, perTypeRows, readNerPredictions, spanConfusionFigure, spanConfusionRows } from "./ner";
export type { NerPredictions, NerSplitAnalysis } from "./ner";
export { bestRuns, summariseBy } from "./summaries";
export { REJECT, binaryConfusionRows, confusionFromLogits, confusionMatrices, multilabelConfusion, squareConfusionRows, withReject } from "./confusion";
export type { BinaryConfusion, ConfusionMatrices } from "./confusion";
export { DEFAULT_BINS, calibrationCurve, calibrationFromLogits, uniformEdges } from "./calibration";
export { sigmoid } from "../portable/maths";
export type { CalibrationCurve, RunCalibration } from "./calibration";
export { figureExample, findDatasetDir, splitExamples, splitPredictions } from "./predictions";
export type { EvalSplit, ExampleSource, SplitPredictions } from "./predictions";
export { calibrationFigure, confusionFigure, devProgressFigure, devTestFigure, lossFigure, metricTitle, parameterFigure } from "./figures";
export type { ConfusionFigureOptions, ConfusionKind, NamedCurve } from "./figures";
export { PLOTLY_MIME, checkPlotlyPayload } from "../portable/plotly-payload";
export type { FigureDrillDown, FigureExample, PlotlyPayload } from "../portable/plotly-payload";
export { BLUES, TRACE_COLOURS, figureSvg, scaleColour } from "./static-svg";
export type { SvgOptions } from "./static-svg";
export { figureBundle, showFigure } from "./show";
export type { FigureBundle } from "./show";
export { PLOTLY_JS, figureHtml, plotlyBundlePath, writeFigureHtml } from "./html";
export { CHROMIUM_ARGS, CHROMIUM_PATH, renderPngs } from "./png";
export type { PngJob, PngOutcome } from "./png";
export { runFolderName, runScalars, writeRunEvents } from "./tensorboard-export";
export { analyseRuns, runConfusionFigure, splitCalibration, writeAnalysis } from "./report";
export type { AnalysisOptions, RunAnalysis, WriteOptions, WrittenAnalysis } from "./report";
export { ANALYZE_USAGE, AnalyzeUsageError, analyzeCommand } from "./cli-command";
