/**
 * Sizes and limits: memory sizes as Slurm writes them (500M, 4G, a bare number in megabytes),
 * walltimes, and how many runs this machine takes at once.
 */
import { availableParallelism, freemem } from "node:os";
import { join, resolve } from "node:path";

/** `entity-typing run` processes are started as `node <this> entity-typing run …`. */
export const LUKELAB_BIN = resolve(__dirname, "..", "..", "..", "bin", "lukelab.js");
/** The project folder (where bin/ and lib/ are). */
export const PROJECT_ROOT = resolve(LUKELAB_BIN, "..", "..");

/** Default memory estimate of one run: enough for a tiny or base model with small batches. */
export const DEFAULT_MEM_PER_RUN_MB = 2048;

const UNITS: Record<string, number> = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 };

/** Megabytes in "500M", "4G", "1.5G", "2048" (megabytes, as Slurm). Throws naming `what`. */
export function parseMemoryMb(text: string | number, what = "memory"): number {
  if (typeof text === "number") {
    if (!(text > 0)) throw new Error(`${what} must be positive, got ${text}`);
    return Math.ceil(text);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT])?B?\s*$/i.exec(text);
  if (!m || Number(m[1]) <= 0) throw new Error(`${what} must be a size such as 500M, 4G or 2048 (megabytes), got ${JSON.stringify(text)}`);
  return Math.ceil(Number(m[1]) * UNITS[(m[2] ?? "M").toUpperCase()]);
}

/** Slurm's walltime forms: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
export function checkWalltime(text: string, what = "--time"): string {
  if (!/^(\d+-)?\d+(:\d{1,2}){0,2}$/.test(text) && !/^\d+-\d+$/.test(text)) {
    throw new Error(`${what} must be a Slurm time such as 30, 2:00:00 or 1-12:00:00, got ${JSON.stringify(text)}`);
  }
  return text;
}

/** Hours and minutes of a Slurm walltime, as LSF's -W takes them (HH:MM). */
export function walltimeToLsf(text: string): string {
  let days = 0;
  let rest = text;
  if (text.includes("-")) [days, rest] = [Number(text.split("-")[0]), text.split("-")[1]];
  const parts = rest.split(":").map(Number);
  let minutes: number;
  if (text.includes("-")) minutes = days * 1440 + (parts[0] ?? 0) * 60 + (parts[1] ?? 0);
  else if (parts.length === 1) minutes = parts[0];
  else if (parts.length === 2) minutes = parts[0]; // MM:SS
  else minutes = parts[0] * 60 + parts[1];
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * How many runs at once: at most `maxParallel` (default: the cores), and no more than the free
 * memory holds at `memPerRunMb` each (at least one).
 */
export function localConcurrency(maxParallel: number | undefined, memPerRunMb: number): { limit: number; why: string } {
  const cores = availableParallelism();
  const freeMb = Math.floor(freemem() / (1024 * 1024));
  const byMemory = Math.max(1, Math.floor(freeMb / memPerRunMb));
  const wanted = maxParallel ?? cores;
  const limit = Math.max(1, Math.min(wanted, byMemory));
  const why =
    limit < wanted
      ? `${limit} at once: ${freeMb} MB free at ${memPerRunMb} MB per run (--mem-per-run)`
      : `${limit} at once (${maxParallel === undefined ? `${cores} cores` : "--max-parallel"}; ${freeMb} MB free, ${memPerRunMb} MB per run)`;
  return { limit, why };
}

export const sweepSubdir = (sweepDir: string, ...parts: string[]) => join(resolve(sweepDir), ...parts);
