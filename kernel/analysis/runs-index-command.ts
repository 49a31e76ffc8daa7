/**
 * `lukelab analyze index --data-dir RUNS`: writes RUNS/runs-index.json, the summaries of every run
 * folder under RUNS in one file, so the JupyterLab runs dashboard shows the table after a couple of
 * requests instead of two per run (kernel/tasks/entity-typing/runs-index.ts). `lukelab sweep` keeps
 * its sweep folder's index as runs end and `lukelab analyze` writes one for its --data-dir; this is
 * for folders of runs made otherwise (copied from a cluster, runs started by hand).
 */
import { parseCommandLine } from "../io/command-line";
import { updateRunsIndex } from "../tasks/entity-typing/runs-index-write";

export const USAGE = `lukelab analyze index --data-dir RUNS
      Writes RUNS/runs-index.json: for every run folder under RUNS (a folder holding a results.json),
      its summary (results.json without the per-example logits and training loss) and the folder's
      modification time. The runs dashboard in JupyterLab reads it instead of each run's folder and
      trusts an entry only while the folder's time is unchanged, so a run rewritten since is read from
      its folder: running this again only makes the dashboard faster. In a sweep's folder it also
      records the state files (state/*.json) with their size and time, trusted the same way.
`;

/** A command-line mistake: the CLI prints it with a pointer to the usage and exits with 2. */
export class IndexUsageError extends Error {
  readonly code = "ERR_PARSE_ARGS_ANALYZE_INDEX";
}

/** Runs the subcommand; returns the process exit code. */
export async function command(argv: readonly string[]): Promise<number> {
  const values = parseCommandLine(argv, {
    strings: ["data-dir"],
    flags: [],
    required: { "data-dir": "the folder holding the run folders" },
    usage: USAGE,
    error: IndexUsageError,
  });
  if (!values) return 0;
  const update = updateRunsIndex(values["data-dir"]);
  const lines = update.left.map((l) => `not indexed ${l.folder}: ${l.reason.split("\n").join("\n    ")}`);
  lines.push(`indexed ${update.runs} run${update.runs === 1 ? "" : "s"} in ${update.file}`);
  if (update.states > 0) lines.push(`indexed ${update.states} sweep state file${update.states === 1 ? "" : "s"}`);
  process.stdout.write(lines.join("\n") + "\n");
  return update.runs > 0 ? 0 : 1;
}
