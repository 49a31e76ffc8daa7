/**
 * Entity typing from notebook cells: train, evaluate and predict, with a live view (progress, the
 * training loss and the dev F1) that updates in place through tslab's `newDisplay()`.
 *
 *   import * as tslab from "tslab";
 *   import { trainEntityTyping } from "lukelab";
 *   const run = await trainEntityTyping({ dataDir: "../samples/open-entity-sample", outputDir: "runs/a" },
 *                                       { display: tslab.newDisplay() });
 *   run.results.dev_f1;                                   // results.json, validated
 *   await run.evaluate("test");                           // metrics of the kept weights
 *   await run.predict([{ text: "Ada Lovelace wrote it .", start: 0, end: 12 }]);
 *   run.dispose();
 *
 * The view is plain HTML with an inline SVG chart (line-chart.ts) while training; when the run ends it
 * is replaced by the chart as image/svg+xml (the summary in its title, fixed colours) with the summary
 * as text/plain, so a notebook saved with its outputs shows the chart wherever HTML is not rendered
 * (GitHub strips inline SVG from HTML outputs; nbviewer and nbconvert show images too).
 */
import { readOpenEntityDir, withContextWindow, type TypingExample } from "../../data/open-entity";
import type { Luke } from "../../inference/luke";
import { formatProgress, type ProgressSnapshot } from "../../train/progress";
import { downsample, lineChartSvg } from "../../train/line-chart";
import { tf } from "../../backend";
import type { StepInfo } from "../../train/trainer";
import { evaluateSplit, type SplitEvaluation } from "./evaluate";
import { collate, encodeExamples, toEncodeInput } from "./inputs";
import type { Prf } from "./metrics";
import type { EntityTypingOptions } from "./options";
import type { EntityTypingResults } from "./results";
import { runEntityTyping, type RunHooks } from "./run";

/** What tslab's Display offers (only html is used), so tslab need not be a dependency. */
export interface DisplayLike {
  html(s: string): void;
}

export interface NotebookRunOptions {
  /** Where the live view goes: tslab.newDisplay(); without it nothing is displayed. */
  display?: DisplayLike;
  /** Smallest time between two redraws, in ms (default 300). */
  refreshMs?: number;
  /** Also print the run's log lines (default false: the view shows progress). */
  log?: boolean;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The live view of a training run: state in, HTML out (pure apart from the state it keeps). */
export class TrainingView {
  readonly losses: number[] = [];
  readonly devF1: Array<[number, number]> = [];
  private progress: ProgressSnapshot | undefined;
  private status = "starting";
  private lastDraw = 0;

  constructor(
    private readonly display: DisplayLike | undefined,
    private readonly refreshMs = 300,
    private readonly now: () => number = () => Date.now(),
  ) {}

  step(info: StepInfo): void {
    this.losses.push(info.loss);
    this.draw(false);
  }

  evaluation(step: number, metrics: Prf, label: string): void {
    this.devF1.push([step, metrics.f1]);
    this.status = `${label}: dev F1 ${metrics.f1.toFixed(4)} (precision ${metrics.precision.toFixed(4)}, recall ${metrics.recall.toFixed(4)})`;
    this.draw(true);
  }

  progressed(p: ProgressSnapshot): void {
    this.progress = p;
    this.draw(false);
  }

  /**
   * The end of the run: `status` is shown; with `summary`, a tslab display is replaced by the static
   * bundle (staticBundle), and any other display gets the HTML.
   */
  finish(status: string, summary?: string): void {
    this.status = status;
    this.progress = undefined;
    if (this.display && summary !== undefined && replaceWithBundle(this.display, this.staticBundle(summary))) return;
    this.draw(true);
  }

  /** The finished view for readers without HTML: the chart titled with `summary`, and the status as text. */
  staticBundle(summary: string): Record<string, string> {
    // Theme variables mean nothing in a standalone image: keep their fallback colours.
    const svg = this.chart(`entity typing — ${summary}`).replace(/var\(--[\w-]+, ?([^)]+)\)/g, "$1");
    return { "image/svg+xml": svg, "text/plain": this.status };
  }

  private chart(title: string): string {
    return lineChartSvg(
      [
        { name: "training loss", points: downsample(this.losses) },
        { name: "dev F1", points: this.devF1 },
      ],
      { title, xLabel: "optimiser step", width: 520, height: 260 },
    );
  }

  html(): string {
    const chart = this.chart("entity typing");
    const progress = this.progress ? `<pre style="margin:0">${escapeHtml(formatProgress(this.progress))}</pre>` : "";
    return `<div class="lukelab-training">${progress}<div>${escapeHtml(this.status)}</div>${chart}</div>`;
  }

  private draw(force: boolean): void {
    if (!this.display) return;
    const t = this.now();
    if (!force && t - this.lastDraw < this.refreshMs) return;
    this.lastDraw = t;
    this.display.html(this.html());
  }
}

/**
 * Replaces what a tslab display shows with a bundle of several MIME types. tslab's Display sends one
 * MIME key per call, so this goes through `tslab/dist/jupyter`'s lastWriteDisplayData (what
 * Display.raw calls) with the display's id, as sendBundle in display/tslab.ts does. False when
 * `display` is not a tslab display or that internal is missing: the caller then draws HTML.
 */
function replaceWithBundle(display: DisplayLike, data: Record<string, string>): boolean {
  const d = display as DisplayLike & { id?: unknown; update?: boolean };
  if (typeof d.id !== "string") return false;
  let jupyter: { lastWriteDisplayData?: ((data: unknown, update: boolean) => void) | null } | undefined;
  try {
    jupyter = require("tslab/dist/jupyter");
  } catch {
    return false;
  }
  if (typeof jupyter?.lastWriteDisplayData !== "function") return false;
  jupyter.lastWriteDisplayData({ data, metadata: {}, transient: { display_id: d.id } }, Boolean(d.update));
  d.update = true;
  return true;
}

export interface TypingInput {
  text: string;
  /** Mention start and end (exclusive), in code points. */
  start: number;
  end: number;
}

export interface TypingPrediction {
  text: string;
  mention: string;
  /** Labels whose logit is above 0 (σ > 0.5), as the original predicts. */
  labels: string[];
  /** Every label with its sigmoid probability, best first. */
  scores: { label: string; score: number }[];
}

/** A finished run in a notebook: its results, and the kept model to evaluate and predict with. */
export class EntityTypingRun {
  constructor(
    readonly results: EntityTypingResults,
    readonly outputDir: string,
    readonly luke: Luke,
    readonly options: Partial<EntityTypingOptions>,
  ) {}

  get labels(): string[] {
    return this.luke.labels;
  }

  /** Inputs as the run trained on them: cut to its --context-window, if it had one. */
  private windowed<T extends TypingInput>(inputs: T[]): T[] {
    const words = this.options.contextWindow;
    return words === undefined ? inputs : inputs.map((x) => withContextWindow(x, words));
  }

  /** Metrics of the kept weights on a split of the run's data folder, or on given examples. */
  async evaluate(split: "dev" | "test" | TypingExample[], batchSize = 32): Promise<SplitEvaluation> {
    const examples = this.windowed(Array.isArray(split) ? split : readOpenEntityDir(this.options.dataDir ?? "data/open_entity")[split]);
    const maxWords = this.luke.config.maxPositionEmbeddings - this.luke.config.padTokenId - 1;
    const encoded = encodeExamples(this.luke.tokenizer, examples, this.labels, Array.isArray(split) ? "examples" : split, maxWords);
    return evaluateSplit(this.luke.model, encoded, { batchSize, labels: this.labels });
  }

  /** Types of the given mentions. */
  async predict(inputs: TypingInput[], batchSize = 32): Promise<TypingPrediction[]> {
    const out: TypingPrediction[] = [];
    const labels = this.labels;
    for (let at = 0; at < inputs.length; at += batchSize) {
      const group = inputs.slice(at, at + batchSize);
      const encodings = this.windowed(group).map((x) => this.luke.tokenizer.encode(toEncodeInput(x), { task: "entity_classification" }));
      const tensors = collate(encodings, this.luke.config.padTokenId);
      try {
        const logits = tf.tidy(() => this.luke.model.forward(tensors, { training: false }).logits!);
        const rows = (await logits.array()) as number[][];
        logits.dispose();
        rows.forEach((row, i) => {
          const x = group[i];
          out.push({
            text: x.text,
            mention: Array.from(x.text).slice(x.start, x.end).join(""),
            labels: row.flatMap((v, j) => (v > 0 ? [labels[j]] : [])),
            scores: row.map((v, j) => ({ label: labels[j], score: 1 / (1 + Math.exp(-v)) })).sort((a, b) => b.score - a.score),
          });
        });
      } finally {
        for (const t of Object.values(tensors)) (t as tf.Tensor).dispose();
      }
    }
    return out;
  }

  dispose(): void {
    this.luke.dispose();
  }
}

/**
 * `entity-typing run` from a cell, with a live view. Options are the CLI's (camelCase) with the
 * same defaults; the run folder, results.json and resume work exactly as on the command line.
 */
export async function trainEntityTyping(options: Partial<EntityTypingOptions>, notebook: NotebookRunOptions = {}): Promise<EntityTypingRun> {
  const view = new TrainingView(notebook.display, notebook.refreshMs);
  let step = 0;
  const hooks: RunHooks = {
    log: notebook.log ? (line) => console.log(line) : () => undefined,
    progress: { silent: true },
    onProgress: (p) => view.progressed(p),
    onStep: (info) => {
      step = info.step;
      view.step(info);
    },
    onEvaluation: (split, when, metrics) => {
      if (split === "dev" && when !== "final") view.evaluation(step, metrics, when === "no_training" ? "before training" : `epoch ${when}`);
    },
  };
  const outcome = await runEntityTyping(options, hooks);
  const r = outcome.results;
  const summary = [
    r.best_epoch !== undefined ? `best epoch ${r.best_epoch}` : undefined,
    r.dev_f1 !== undefined ? `dev F1 ${r.dev_f1.toFixed(4)}` : undefined,
    r.test_f1 !== undefined ? `test F1 ${r.test_f1.toFixed(4)}` : undefined,
  ].filter(Boolean);
  view.finish(`done: ${summary.join(", ")} — ${outcome.outputDir}/results.json`, summary.join(", "));
  return new EntityTypingRun(outcome.results, outcome.outputDir, outcome.luke, options);
}

/** Evaluation only (--no-train): the model of `checkpointFile` or of the output folder. */
export async function evaluateEntityTyping(options: Partial<EntityTypingOptions>): Promise<EntityTypingRun> {
  const outcome = await runEntityTyping({ ...options, doTrain: false }, { log: () => undefined, progress: { silent: true } });
  return new EntityTypingRun(outcome.results, outcome.outputDir, outcome.luke, options);
}
