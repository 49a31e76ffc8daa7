/**
 * A LUKE model by Hub id: the files a LUKE folder needs, downloaded into (or found in) the cache
 * Python's huggingface_hub uses, and the snapshot folder that holds them.
 *
 * Why not the npm package @huggingface/hub (2.17, its `downloadFileToCacheDir`/`snapshotDownload`
 * write the same layout, and it loads from CommonJS and tslab alike): for the 1–2 GB weights of
 * luke-base/luke-large it falls short where this module must not. Its download starts over after an
 * interruption (it writes `<blob>.incomplete` from byte 0, no Range request); it reports no
 * progress; it checks no hash before renaming the file into place; it takes no lock, so two
 * processes fetching the same file write into the same `.incomplete`; it never writes
 * `refs/<branch>` for a single file, and it has no offline mode (HF_HUB_OFFLINE) and does not read
 * HF_ENDPOINT, leaving both, and the fallback to the cache when the network fails, to its caller.
 * What is left once those are added is two small requests (http.ts), so lukelab has its own client.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cachedCommit, snapshotFolder, storageFolder, writeRef } from "./cache";
import { downloadFileToCache, type DownloadOptions } from "./download";
import { HubError } from "./errors";
import { fetchRepoInfo, type RepoInfo } from "./http";
import { COMMIT_HASH, formatHubId, parseHubId, type HubId } from "./id";
import { hubSettings, type HubSettings, type HubSettingsInput } from "./settings";

/** The tokenizer files of a LUKE folder (the first three are required), and BERT's vocab.txt. */
export const LUKE_TOKENIZER_FILES = ["vocab.json", "merges.txt", "entity_vocab.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.txt"];
const REQUIRED_TOKENIZER_FILES = LUKE_TOKENIZER_FILES.slice(0, 3);
/** Tokenizer files that make a folder of one of the models shown beside LUKE: RoBERTa and GPT-2, BERT. */
const WORD_MODEL_TOKENIZERS = [["vocab.json", "merges.txt"], ["vocab.txt"]];

/** The required files a folder lacks: none when it is a LUKE, RoBERTa, GPT-2 or BERT folder, else LUKE's that are missing. */
function missingRequired(present: (f: string) => boolean): string[] {
  const missing = ["config.json", ...REQUIRED_TOKENIZER_FILES].filter((f) => !present(f));
  if (missing.length && present("config.json") && WORD_MODEL_TOKENIZERS.some((files) => files.every(present))) return [];
  return missing;
}
/** Weights, in order of preference. */
export const LUKE_WEIGHT_FILES = ["model.safetensors", "pytorch_model.bin"];

export interface HubOptions extends HubSettingsInput, DownloadOptions {
  /** Fetch the weights too (default true); false gets the config and tokenizer only. */
  weights?: boolean;
  /** Where notes go (using the cache after a failed request); default stderr. */
  log?: (line: string) => void;
}

export interface HubSnapshot {
  repoId: string;
  /** The revision asked for (default "main"). */
  revision: string;
  /** The commit it resolved to. */
  commit: string;
  /** snapshots/<commit> in the cache: a LUKE folder. */
  folder: string;
  /** The files of the folder lukelab uses. */
  files: string[];
  /** Whether the Hub was asked (false: offline or the network failed, the cache answered). */
  online: boolean;
}

/** The files to fetch from a repository with these files. */
export function lukeFilesOf(id: HubId, available: string[], weights: boolean): string[] {
  const has = new Set(available);
  const missing = missingRequired((f) => has.has(f));
  if (missing.length) {
    throw new HubError(
      "ERR_HUB_FILE_MISSING",
      `${formatHubId(id)} has no ${missing.join(", ")}: it is not a LUKE model repository (lukelab needs config.json, ${REQUIRED_TOKENIZER_FILES.join(", ")} and the weights; its files: ${available.slice(0, 20).join(", ")}${available.length > 20 ? ", …" : ""})`,
    );
  }
  const files = ["config.json", ...LUKE_TOKENIZER_FILES.filter((f) => has.has(f))];
  if (weights) {
    const w = LUKE_WEIGHT_FILES.find((f) => has.has(f));
    if (!w) {
      const sharded = available.some((f) => /\.index\.json$/.test(f));
      throw new HubError(
        "ERR_HUB_FILE_MISSING",
        `${formatHubId(id)} has neither ${LUKE_WEIGHT_FILES.join(" nor ")}${sharded ? " (its weights are split in shards, which lukelab does not read)" : ""}: there are no weights to load`,
      );
    }
    files.push(w);
  }
  return files;
}

/** What the cache holds for a revision, if it is enough to load from; undefined if nothing is cached. */
function fromCache(settings: HubSettings, id: HubId, weights: boolean): { commit: string; folder: string; files: string[] } | { missing: string[]; folder: string } | undefined {
  const storage = storageFolder(settings.cacheDir, id.repoId);
  const commit = cachedCommit(storage, id.revision);
  if (!commit) return undefined;
  const folder = snapshotFolder(storage, commit);
  if (!existsSync(folder)) return undefined;
  const present = (f: string) => existsSync(join(folder, f));
  const missing = missingRequired(present);
  const weightFile = LUKE_WEIGHT_FILES.find(present);
  if (weights && !weightFile) missing.push(LUKE_WEIGHT_FILES.join(" or "));
  if (missing.length) return { missing, folder };
  const files = ["config.json", ...LUKE_TOKENIZER_FILES.filter(present), ...(weights && weightFile ? [weightFile] : [])];
  return { commit, folder, files };
}

function notCached(settings: HubSettings, id: HubId, why: string, found: { missing: string[]; folder: string } | undefined, cause?: unknown): HubError {
  const text = formatHubId(id);
  const what = found
    ? `the cached snapshot ${found.folder} lacks ${found.missing.join(", ")}`
    : `${text} is not in the Hugging Face cache (${settings.cacheDir})`;
  return new HubError(
    "ERR_HUB_OFFLINE_NOT_CACHED",
    `${what}, and ${why}. Run the same command once with network access${settings.offline ? " (unset HF_HUB_OFFLINE)" : ""} to download it, or fill the cache with Python: \`huggingface-cli download ${id.repoId}${id.explicitRevision ? ` --revision ${id.revision}` : ""}\``,
    { cause },
  );
}

/**
 * The snapshot folder of a LUKE model on the Hub, downloading what is missing. `id` is `org/name`
 * or `org/name@revision`. Offline (HF_HUB_OFFLINE) or when the Hub cannot be reached, what the
 * cache holds for that revision is used, as huggingface_hub does.
 */
export async function downloadLukeSnapshot(id: string | HubId, options: HubOptions = {}): Promise<HubSnapshot> {
  const parsed = typeof id === "string" ? parseHubId(id) : id;
  if (!parsed) throw new HubError("ERR_HUB_PROTOCOL", `"${String(id)}" is not a Hub model id: write org/name or org/name@revision`);
  const settings = hubSettings(options);
  const weights = options.weights ?? true;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cached = fromCache(settings, parsed, weights);
  const base = { repoId: parsed.repoId, revision: parsed.revision };

  if (settings.offline) {
    if (cached && "commit" in cached) return { ...base, ...cached, online: false };
    throw notCached(settings, parsed, "HF_HUB_OFFLINE is set, so nothing is downloaded", cached);
  }
  // A full commit hash already in the cache cannot have changed: no request at all.
  if (COMMIT_HASH.test(parsed.revision) && cached && "commit" in cached) return { ...base, ...cached, online: false };

  let info: RepoInfo;
  try {
    info = await fetchRepoInfo(settings, parsed.repoId, parsed.revision);
  } catch (err) {
    // As huggingface_hub's snapshot_download: a revision that does not exist is an error; any other
    // failure (no network, Hub down, a token missing or refused) falls back to the cache.
    if (err instanceof HubError && err.code !== "ERR_HUB_REVISION_NOT_FOUND") {
      if (cached && "commit" in cached) {
        log(`lukelab: using the cached ${formatHubId(parsed)} (commit ${cached.commit.slice(0, 10)}): ${err.message}`);
        return { ...base, ...cached, online: false };
      }
      if (err.code === "ERR_HUB_NETWORK") throw notCached(settings, parsed, `the Hub could not be reached (${err.message})`, cached, err);
    }
    throw err;
  }

  const storage = storageFolder(settings.cacheDir, parsed.repoId);
  const files = lukeFilesOf(parsed, info.files, weights);
  writeRef(storage, parsed.revision, info.sha);
  const folder = snapshotFolder(storage, info.sha);
  const wanted = files.filter((f) => !existsSync(join(folder, f)));
  for (const file of wanted) {
    await downloadFileToCache(settings, parsed.repoId, info.sha, file, options);
  }
  return { ...base, commit: info.sha, folder, files, online: true };
}

/** Whether `text` names a Hub model rather than a folder: it reads as `org/name[@rev]` and is no existing path. */
export function isHubModelId(text: string): boolean {
  return !existsSync(text) && parseHubId(text) !== undefined;
}

/**
 * A model folder for `pathOrId`: an existing path as it is (a folder that exists wins), else the
 * cache snapshot of the Hub id. Text that is neither is returned unchanged, for the caller's own
 * "not found" message.
 */
export async function resolveModelPath(pathOrId: string, options: HubOptions = {}): Promise<string> {
  if (existsSync(pathOrId)) return pathOrId;
  const id = parseHubId(pathOrId);
  if (!id) return pathOrId;
  try {
    return (await downloadLukeSnapshot(id, options)).folder;
  } catch (err) {
    if (err instanceof HubError && err.code === "ERR_HUB_REPO_NOT_FOUND") {
      err.message = `${err.message} (no folder ${pathOrId} exists either)`;
    }
    throw err;
  }
}

