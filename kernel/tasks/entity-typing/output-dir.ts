/**
 * The output folder of `entity-typing run`, checked before any data is read or model built:
 *
 *   - the path must be a folder or not exist yet, and nothing above it may be a file (else Node's raw
 *     EEXIST/ENOTDIR would come late, after minutes of work);
 *   - a folder that holds a finished run that trained (its results.json) is refused unless the caller
 *     passes --overwrite-output-dir (or --restart), as transformers' Trainer asks for
 *     overwrite_output_dir: running the same command twice must not train again over finished work.
 *     An evaluation-only results.json (--no-train) is replaced without asking: it is recomputed from
 *     the same inputs in seconds. A results.json that cannot be read counts as finished (refused).
 *
 * An unfinished run (a resume checkpoint in <output>/.resume/, no results.json) is no concern here:
 * the same command resumes it, --restart starts it over.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { readJson } from "../../io/read";
import { EntityTypingUsageError } from "./options";

export type OutputFolderState = "new" | "unfinished" | "finished-evaluation" | "finished-training";

/** What the output folder holds; throws EntityTypingUsageError when it cannot be used as asked. */
export function checkOutputDir(outputDir: string, overwrite: boolean): OutputFolderState {
  const abs = resolve(outputDir);
  // The nearest existing path at or above the folder must be a folder we can write in.
  let p = abs;
  for (;;) {
    if (existsSync(p)) {
      if (!statSync(p).isDirectory()) {
        throw new EntityTypingUsageError(
          p === abs
            ? `--output-dir ${outputDir} is a file, not a folder; choose a folder (it is created when missing)`
            : `--output-dir ${outputDir} cannot be created: ${p} is a file, not a folder`,
        );
      }
      try {
        accessSync(p, constants.W_OK);
      } catch {
        throw new EntityTypingUsageError(`--output-dir ${outputDir}: ${p} is not writable`);
      }
      break;
    }
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  const results = join(abs, "results.json");
  if (!existsSync(results)) return existsSync(join(abs, ".resume")) ? "unfinished" : "new";
  let trained = true;
  let unreadable = "";
  try {
    const r = readJson(results) as { experimental_configurations?: { log_parameters?: { do_train?: unknown } } };
    trained = r?.experimental_configurations?.log_parameters?.do_train !== false;
  } catch (err) {
    unreadable = ` (${(err as Error).message})`;
  }
  if (!trained) return "finished-evaluation";
  if (!overwrite) {
    throw new EntityTypingUsageError(
      `--output-dir ${outputDir} holds a finished run${unreadable ? ` whose results.json cannot be read${unreadable}` : ""}; ` +
        "lukelab does not train over finished work: pass --overwrite-output-dir to replace it (in the notebook API overwriteOutputDir: true), or choose another --output-dir",
    );
  }
  return "finished-training";
}
