/**
 * Runs end with their runner. A sweep runner (the local runner, or `sweep exec` in a Slurm or LSF
 * task) starts each `entity-typing run` with its own pid in LUKELAB_SWEEP_RUNNER_PID; the run checks
 * every second that this process is still its parent and still alive, and when it is not (the
 * runner was killed with SIGKILL, so it could not stop its children) the run stops itself (SIGTERM
 * to itself) instead of training on as an orphan nobody records. Its resume checkpoint is
 * whole (atomic writes), and the next `sweep run` resumes it. Node has no prctl(PR_SET_PDEATHSIG),
 * hence the polling; one check costs a system call.
 */
export const RUNNER_PID_ENV = "LUKELAB_SWEEP_RUNNER_PID";

// The check runs in a worker thread: a training step on the native backend holds the main thread
// for long stretches without yielding to timers, so a main-thread interval would wait until the end.
const WATCH = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const { runner, intervalMs } = workerData;
const gone = () => {
  if (process.ppid !== runner) return true;
  try { process.kill(runner, 0); return false; } catch (err) { return err.code !== "EPERM"; }
};
setInterval(() => {
  if (!gone()) return;
  writeSync(2, "lukelab: the sweep runner (pid " + runner + ") is gone; stopping this run (the next \`lukelab sweep run\` resumes it from its last checkpoint)\\n");
  process.kill(process.pid, "SIGTERM");
}, intervalMs);
`;

/** Starts the check when this process was started by a sweep runner; returns a function that stops it. */
export function exitWithRunner(env: NodeJS.ProcessEnv = process.env, intervalMs = 1000): () => void {
  const runner = Number(env[RUNNER_PID_ENV]);
  if (!Number.isInteger(runner) || runner <= 1) return () => undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require("node:worker_threads") as typeof import("node:worker_threads");
  const worker = new Worker(WATCH, { eval: true, workerData: { runner, intervalMs } });
  worker.unref();
  return () => void worker.terminate();
}
