/**
 * TensorBoard event files over runs, as the original's meta-analysis wrote them: one folder per run
 * (so TensorBoard shows each run as its own line) with
 *
 *   00.loss/Train            step = optimiser step (1, 2, …), the loss of that step
 *   01.f1/development        step = evaluation index: 0 before training (when the run evaluated
 *   02.precision/development  then), then one per epoch
 *   03.recall/development
 *   04.f1/test, 05.precision/test, 06.recall/test   the kept weights' test metrics, at the
 *                                                    evaluation index of the best epoch
 *
 * The original's loss was already divided by the gradient-accumulation steps (seed-features §4.5);
 * training_loss here is per optimiser step and undivided. Each file is built in memory with
 * train/tensorboard.ts's record encoders and written atomically; earlier event files of the same
 * run folder are removed afterwards, so a rerun does not show every point twice.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic";
import { devCurve } from "../tasks/entity-typing/results";
import { eventFileName, fileVersionEvent, scalarsEvent, tfRecord, type Scalar } from "../train/tensorboard";
import type { RunRecord } from "./runs";

/** The event records of one run: [step, scalars] pairs in write order. */
export function runScalars(run: RunRecord): Array<[number, Scalar[]]> {
  const out: Array<[number, Scalar[]]> = [];
  (run.results.training_loss ?? []).forEach((loss, i) => out.push([i + 1, [{ tag: "00.loss/Train", value: loss }]]));
  const curve = devCurve(run.results);
  const prior = curve.length > 0 && curve[0].epoch === "no_training" ? 1 : 0;
  curve.forEach((p, i) =>
    out.push([
      i,
      [
        { tag: "01.f1/development", value: p.f1 },
        { tag: "02.precision/development", value: p.precision },
        { tag: "03.recall/development", value: p.recall },
      ],
    ]),
  );
  const r = run.results;
  if (r.test_f1 !== undefined && r.test_precision !== undefined && r.test_recall !== undefined) {
    const step = r.best_epoch !== undefined ? r.best_epoch + prior : Math.max(0, curve.length - 1);
    out.push([
      step,
      [
        { tag: "04.f1/test", value: r.test_f1 },
        { tag: "05.precision/test", value: r.test_precision },
        { tag: "06.recall/test", value: r.test_recall },
      ],
    ]);
  }
  return out;
}

/** A folder name for a run: its relative folder with "/" turned into "__" ("." → "root"). */
export function runFolderName(run: RunRecord): string {
  return run.folder === "." ? "root" : run.folder.split("/").join("__");
}

/** Writes `<dir>/<run folder name>/events.out.tfevents.*` for each run; returns the files. */
export function writeRunEvents(dir: string, runs: readonly RunRecord[], now = Date.now()): string[] {
  const written: string[] = [];
  for (const run of runs) {
    const runDir = join(dir, runFolderName(run));
    const wallTime = now / 1000;
    const records = [tfRecord(fileVersionEvent(wallTime)), ...runScalars(run).map(([step, scalars]) => tfRecord(scalarsEvent(wallTime, step, scalars)))];
    const name = eventFileName(now);
    const file = join(runDir, name);
    writeFileAtomic(file, records);
    if (existsSync(runDir)) {
      for (const old of readdirSync(runDir)) if (old.startsWith("events.out.tfevents.") && old !== name) rmSync(join(runDir, old));
    }
    written.push(file);
  }
  return written;
}
