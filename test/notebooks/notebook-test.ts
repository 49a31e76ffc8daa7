/**
 * One notebook, executed once per test run, with two tests on that execution: the notebook's own
 * assertions (optional) and the staleness check against the committed file.
 *
 *   notebookTest("quickstart.ipynb", "matches the transformers reference", (run) => { … });
 *
 * A notebook in notebooks/ without its own `<name>.test.ts` is executed and checked by
 * committed.test.ts, so a new notebook is covered with no change here.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { codeCells, executeNotebook, NOTEBOOKS, readNotebook, type Notebook, type NotebookRun } from "./run-notebook";
import { compareNotebooks, staleMessage } from "./staleness";

export const NOTEBOOK_TIMEOUT_MS = 600_000;

export function notebookTest(file: string, title?: string, checks?: (run: NotebookRun, notebook: Notebook) => void): void {
  const path = join(NOTEBOOKS, file);
  describe(`notebooks/${file}`, () => {
    let executed: Notebook | undefined;
    let failure: unknown;
    before(
      () => {
        try {
          executed = executeNotebook(path);
        } catch (err) {
          failure = err;
        }
      },
      { timeout: NOTEBOOK_TIMEOUT_MS },
    );
    const get = (): Notebook => {
      if (failure) throw failure;
      return executed!;
    };
    if (checks) test(title ?? "runs in tslab", () => checks(codeCells(get()), get()));
    test("is committed with the outputs it gives now (else: npm run notebooks)", () => {
      const now = get();
      const committed = readNotebook(path);
      const differences = compareNotebooks(committed, now);
      assert.ok(differences.length === 0, staleMessage(file, committed, now, differences));
    });
  });
}
