/**
 * Checkpoints to resume a training run killed at any moment (SIGKILL included).
 *
 * Layout, in a folder of the run (`<output dir>/.resume/`):
 *   state.json                 which files are current, the step, the caller's JSON state, and the
 *                              fingerprint of the options the run was started with
 *   step-000120/model.safetensors, optimizer.safetensors   weights and AdamW moments at step 120
 *   best-000100.safetensors    the best weights so far (when the caller keeps them)
 *
 * A checkpoint is committed by one atomic rename: every file of step N is written (each through
 * its own temporary file) before state.json is replaced to point at them, and files that the new
 * state.json no longer names are deleted only afterwards. A kill anywhere leaves the previous
 * state.json and everything it names intact.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadSafetensors, saveSafetensors } from "../checkpoint/safetensors";
import type { StateDict } from "../checkpoint/tensor-data";
import { writeFileAtomic } from "../io/atomic";
import type { AdamWState } from "./adamw";

export const RESUME_DIR = ".resume";
const STATE_FILE = "state.json";
const FORMAT = "lukelab-resume/1";

export interface ResumePoint<Meta> {
  step: number;
  /** The caller's own JSON state (losses, metrics, phase, event-file length, ...). */
  meta: Meta;
  weights: StateDict;
  optimizer: AdamWState;
  /** The best weights so far, when any. */
  best?: StateDict;
}

interface StateFile<Meta> {
  format: string;
  fingerprint: Record<string, unknown>;
  step: number;
  folder: string;
  best: string | null;
  optimizerSteps: Record<string, number>;
  meta: Meta;
}

/** Options that differ between the saved run and this one, as "name: saved → now" lines. */
export function fingerprintDifferences(saved: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])].sort();
  return keys
    .filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(now[k]))
    .map((k) => `${k}: ${JSON.stringify(saved[k])} → ${JSON.stringify(now[k])}`);
}

export class ResumeStore<Meta> {
  readonly dir: string;
  /** The file name of the best weights currently committed (kept when a checkpoint reuses them). */
  private committedBest: string | null = null;

  constructor(
    runDir: string,
    private readonly fingerprint: Record<string, unknown>,
  ) {
    this.dir = join(runDir, RESUME_DIR);
  }

  exists(): boolean {
    return existsSync(join(this.dir, STATE_FILE));
  }

  /**
   * The last committed checkpoint, or undefined when there is none. Throws when it was made by a
   * run with other options (the caller decides: a new output folder, or delete the checkpoint).
   */
  load(): ResumePoint<Meta> | undefined {
    const path = join(this.dir, STATE_FILE);
    if (!existsSync(path)) return undefined;
    let state: StateFile<Meta>;
    try {
      state = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      throw new Error(`${path}: the resume state cannot be read (${(err as Error).message}); delete ${this.dir} to start over`);
    }
    if (state.format !== FORMAT) throw new Error(`${path}: format ${JSON.stringify(state.format)}, expected "${FORMAT}"`);
    const differences = fingerprintDifferences(state.fingerprint, this.fingerprint);
    if (differences.length) {
      throw new Error(
        `${this.dir} holds a run started with other options:\n  ${differences.join("\n  ")}\n` +
          `Run the same command to resume it, use another --output-dir, or delete ${this.dir} to start over.`,
      );
    }
    const weights = loadSafetensors(join(this.dir, state.folder, "model.safetensors")).stateDict;
    const moments = loadSafetensors(join(this.dir, state.folder, "optimizer.safetensors")).stateDict;
    const best = state.best ? loadSafetensors(join(this.dir, state.best)).stateDict : undefined;
    this.committedBest = state.best;
    return { step: state.step, meta: state.meta, weights, optimizer: { moments, steps: state.optimizerSteps }, best };
  }

  /**
   * Commits a checkpoint. `best`: new best weights to store, or "unchanged" to keep the ones the
   * last checkpoint named, or undefined for none.
   */
  save(point: Omit<ResumePoint<Meta>, "best"> & { best?: StateDict | "unchanged" }): void {
    const folder = `step-${String(point.step).padStart(6, "0")}`;
    const at = join(this.dir, folder);
    saveSafetensors(join(at, "model.safetensors"), point.weights, { format: "pt" });
    saveSafetensors(join(at, "optimizer.safetensors"), point.optimizer.moments, { format: "lukelab-adamw" });
    let best: string | null = null;
    if (point.best === "unchanged") best = this.committedBest;
    else if (point.best) {
      best = `best-${String(point.step).padStart(6, "0")}.safetensors`;
      saveSafetensors(join(this.dir, best), point.best, { format: "pt" });
    }
    const state: StateFile<Meta> = {
      format: FORMAT,
      fingerprint: this.fingerprint,
      step: point.step,
      folder,
      best,
      optimizerSteps: point.optimizer.steps,
      meta: point.meta,
    };
    writeFileAtomic(join(this.dir, STATE_FILE), JSON.stringify(state) + "\n");
    this.committedBest = best;
    // Only now is anything else unreferenced.
    for (const name of readdirSync(this.dir)) {
      if (name === STATE_FILE || name === folder || name === best) continue;
      rmSync(join(this.dir, name), { recursive: true, force: true });
    }
  }

  /** Removes every checkpoint (at the end of a completed run, or to start over). */
  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
    this.committedBest = null;
  }
}
