/**
 * A sweep run's status from what is on disk, without the file system or the process table: the rule
 * observeRun (state.ts) applies, shared with the JupyterLab runs dashboard, which reads the state
 * files through the Jupyter server. A valid results.json means done, unless an attempt still running
 * is rewriting it; a state file saying done without results is pending again; a running or queued
 * attempt whose owner is known to be gone was interrupted.
 */
export type RunStatus = "pending" | "queued" | "running" | "done" | "failed" | "interrupted";

/** Who runs (or ran) an attempt. */
export interface RunOwner {
  runner: "local" | "slurm";
  host: string;
  /** The process of the attempt (the entity-typing run locally, the array task's worker on Slurm). */
  pid?: number;
  /** Local runner: the runner that started the run; when it is gone the run stops itself (runner-watch.ts). */
  runnerPid?: number;
  /** Slurm: the array job id and this run's task index. */
  slurmArrayJob?: string;
  slurmTask?: number;
}

export interface Attempt {
  attempt: number;
  owner: RunOwner;
  started: string;
  ended: string | null;
  status: RunStatus;
  exitCode: number | null;
  signal: string | null;
}

export interface RunState {
  format: string;
  run: string;
  index: number;
  status: RunStatus;
  /** Attempts started so far. */
  attempts: number;
  exitCode: number | null;
  signal: string | null;
  /** Start and end of the latest attempt (ISO 8601). */
  started: string | null;
  ended: string | null;
  /** Absolute path of the run's log (all attempts). */
  log: string;
  owner: RunOwner | null;
  /** Why the status is what it is, when that needs saying. */
  message?: string;
  history: Attempt[];
}

export interface StatusInput {
  /** The run's state file, when it has one. */
  state?: { status: RunStatus; message?: string; owner: RunOwner | null };
  /** Whether the run's results.json is present and valid. */
  finished: boolean;
  /** Why results.json is not valid, when it is there but broken. */
  problem?: string;
  /** Where results.json should be, for the message when it is gone. */
  resultsFile: string;
  /** Whether the owner of the attempt is alive: undefined when it cannot be told (another host, no scheduler). */
  ownerAlive: () => boolean | undefined;
}

export function runStatus(input: StatusInput): { status: RunStatus; message?: string } {
  const { state } = input;
  const status = state?.status ?? "pending";
  if (input.finished) {
    return status !== "running" || input.ownerAlive() === false ? { status: "done", message: undefined } : { status, message: state?.message };
  }
  if (status === "done") return { status: "pending", message: input.problem ?? `${input.resultsFile} is gone; the run will be done again` };
  if ((status === "running" || status === "queued") && input.ownerAlive() === false) {
    const owner = state!.owner;
    return { status: "interrupted", message: owner?.runner === "slurm" ? `array task ${owner.slurmArrayJob}_${owner.slurmTask} left the queue without finishing` : `process ${owner?.pid} is gone` };
  }
  return { status, message: state?.message };
}
