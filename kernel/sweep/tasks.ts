/**
 * The tasks a sweep can run, each with its option table, defaults, checks, resume fingerprint and
 * command: `task: entity-typing` (the default) runs `lukelab entity-typing run`, `task: ner` runs
 * `lukelab ner run`. A sweep file names its task at the top; a plan records it (a plan without it is
 * an entity-typing sweep's).
 */
import { DEFAULT_OPTIONS, OPTION_SPECS, resolveOptions, runFingerprint, type EntityTypingOptions, type OptionSpec } from "../tasks/entity-typing/options";
import { NER_DEFAULTS, NER_OPTION_SPECS, nerFingerprint, resolveNerOptions, type NerOptions } from "../tasks/ner/options";

export const SWEEP_TASKS = ["entity-typing", "ner"] as const;
export type SweepTask = (typeof SWEEP_TASKS)[number];

export interface SweepTaskSpec {
  task: SweepTask;
  /** The CLI command words before the options. */
  command: readonly string[];
  specs: readonly OptionSpec[];
  defaults: Record<string, unknown>;
  /** Fills the defaults and checks every option (throws naming the flag). */
  resolve(options: Record<string, unknown>): Record<string, unknown>;
  /** What must not change once a run has started. */
  fingerprint(options: Record<string, unknown>): Record<string, unknown>;
}

const TASKS: Record<SweepTask, SweepTaskSpec> = {
  "entity-typing": {
    task: "entity-typing",
    command: ["entity-typing", "run"],
    specs: OPTION_SPECS,
    defaults: DEFAULT_OPTIONS as unknown as Record<string, unknown>,
    resolve: (o) => resolveOptions(o as Partial<EntityTypingOptions>) as unknown as Record<string, unknown>,
    fingerprint: (o) => runFingerprint(o as unknown as EntityTypingOptions),
  },
  ner: {
    task: "ner",
    command: ["ner", "run"],
    specs: NER_OPTION_SPECS,
    defaults: NER_DEFAULTS as unknown as Record<string, unknown>,
    resolve: (o) => resolveNerOptions(o as Partial<NerOptions>) as unknown as Record<string, unknown>,
    // The defaults fill what an older plan left out, as resolveNerOptions would.
    fingerprint: (o) => nerFingerprint({ ...NER_DEFAULTS, ...o } as unknown as NerOptions),
  },
};

/** The task's table; `undefined` (a plan or sweep that names none) is entity typing. */
export function sweepTask(task: SweepTask | undefined): SweepTaskSpec {
  return TASKS[task ?? "entity-typing"];
}
