/** Shared set-up of the Hub tests: a stand-in serving samples/tiny-luke and a fresh cache. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, tmpDir } from "../helpers";
import type { HubOptions } from "../../kernel/hub";

export const TINY = join(ROOT, "samples", "tiny-luke");
export const TINY_FILES = ["added_tokens.json", "config.json", "entity_vocab.json", "merges.txt", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.json"];

/** Options that use only this stand-in and this cache, whatever the environment says. */
export function isolated(url: string, cacheDir = tmpDir("lukelab-hub-")): HubOptions & { cacheDir: string } {
  return { endpoint: url, cacheDir, offline: false, token: undefined, progress: false, log: () => {} };
}

export function sha256Of(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** git's blob id of a file: what the Hub sends as the ETag of a small (non-LFS) file. */
export function gitOidOf(path: string): string {
  const bytes = readFileSync(path);
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}
