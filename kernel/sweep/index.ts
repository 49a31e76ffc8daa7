/** Sweeps of entity-typing and NER runs: definitions, plans, run state, and the local, Slurm and LSF runners. */
export {
  SWEEP_KINDS,
  SWEEP_PRESETS,
  SweepDefinitionError,
  checkSweep,
  objectSource,
  readSweepFile,
  type CheckedSweep,
  type SweepDefinition,
  type SweepKind,
  type SweepParameter,
  type SweepSource,
} from "./definition";
export { SWEEP_TASKS, sweepTask, type SweepTask, type SweepTaskSpec } from "./tasks";
export { ORIGINAL_BASE, ORIGINAL_PARAMETER_SETS, ORIGINAL_SWEEPS } from "./presets";
export { pythonFloatRepr, pythonStr } from "./naming";
export { PLAN_FILE, optionsToArgv, planSweep, planText, readPlan, writePlan, type PlanOptions, type PlannedRun, type SweepPlan } from "./plan";
export { finishedResults, observeRun, readState, type RunOwner, type RunState, type RunStatus, type RunView } from "./state";
export { localConcurrency, parseMemoryMb } from "./resources";
export { runLocal, type LocalRunnerOptions } from "./local-runner";
export { arraySpec, slurmAccounting, slurmQueue, slurmScript, submitSlurm, type SlurmOptions, type Submission } from "./slurm";
export { lsfScript, writeLsfScript, type LsfOptions } from "./lsf";
export { executeRun } from "./exec";
export { RUNNERS, cancelSweep, runSweep, sweepStatus, waitForSlurm, type RunSweepOptions, type RunnerName, type SweepReport } from "./runner";
export { sweepCommand, sweepUsage, SweepUsageError } from "./cli-command";
