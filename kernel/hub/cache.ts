/**
 * The cache layout of Python's huggingface_hub, written and read exactly as it does, so a model
 * either side downloaded is found by the other:
 *
 *   <cache>/models--org--name/
 *     blobs/<etag>                      the file's bytes, named by its ETag (sha256 for LFS files,
 *                                       the git blob id for small ones)
 *     snapshots/<commit>/<file>         relative symlinks into blobs/
 *     refs/<branch or tag>              the commit the name pointed at when last seen
 *   <cache>/.locks/models--org--name/<etag>.lock
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, readlinkSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join, relative, resolve } from "node:path";
import { writeFileAtomic } from "../io/atomic";
import { COMMIT_HASH } from "./id";

/** `models--org--name`: huggingface_hub's `repo_folder_name` for a model repository. */
export function repoFolderName(repoId: string): string {
  return ["models", ...repoId.split("/")].join("--");
}

export function storageFolder(cacheDir: string, repoId: string): string {
  return join(cacheDir, repoFolderName(repoId));
}

export function blobPath(storage: string, etag: string): string {
  return join(storage, "blobs", etag);
}

export function snapshotFolder(storage: string, commit: string): string {
  return join(storage, "snapshots", commit);
}

/** The lock huggingface_hub takes around one blob's download (its place; see lock.ts for the locking). */
export function lockPath(cacheDir: string, repoId: string, etag: string): string {
  return join(cacheDir, ".locks", repoFolderName(repoId), `${etag}.lock`);
}

/** The commit a revision names in the cache: itself when it is a commit hash, else refs/<revision>. */
export function cachedCommit(storage: string, revision: string): string | undefined {
  if (COMMIT_HASH.test(revision)) return revision;
  const ref = join(storage, "refs", ...revision.split("/"));
  if (!existsSync(ref)) return undefined;
  const commit = readFileSync(ref, "utf8").trim();
  return COMMIT_HASH.test(commit) ? commit : undefined;
}

/** Records that `revision` (a branch or tag) points at `commit`, as huggingface_hub does. */
export function writeRef(storage: string, revision: string, commit: string): void {
  if (revision === commit) return;
  const ref = join(storage, "refs", ...revision.split("/"));
  if (existsSync(ref) && readFileSync(ref, "utf8") === commit) return;
  writeFileAtomic(ref, commit); // no newline: huggingface_hub writes and compares the bare hash
}

/** Whether a snapshot entry resolves to a real file (a symlink whose blob exists, or a plain file). */
export function snapshotHas(folder: string, file: string): boolean {
  return existsSync(join(folder, file));
}

/**
 * Points snapshots/<commit>/<file> at its blob with a relative symlink (so the cache can move), made
 * under a temporary name and renamed over the entry: a reader never sees a missing or partial link.
 */
export function linkSnapshotFile(storage: string, commit: string, file: string, etag: string): string {
  const pointer = join(snapshotFolder(storage, commit), ...file.split("/"));
  const target = relative(dirname(pointer), blobPath(storage, etag));
  mkdirSync(dirname(pointer), { recursive: true });
  if (isLinkTo(pointer, target)) return pointer;
  const tmp = join(dirname(pointer), `.${randomBytes(6).toString("hex")}.lukelab-link`);
  symlinkSync(target, tmp);
  try {
    renameSync(tmp, pointer);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return pointer;
}

function isLinkTo(path: string, target: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink() && resolve(dirname(path), readlinkSync(path)) === resolve(dirname(path), target);
  } catch {
    return false;
  }
}
