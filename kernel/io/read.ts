/** Reading files whole, with errors that name the file and the reason. */
import { readFileSync } from "node:fs";

/** A file's text; a failure is `make("<path>: cannot be read (<code>)")`, an Error unless told otherwise. */
export function readText(path: string, make: (message: string) => Error = (m) => new Error(m)): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw make(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** A file's JSON value; errors say whether it could not be read or is not valid JSON. */
export function readJson(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: is not valid JSON (${(err as Error).message})`);
  }
}
