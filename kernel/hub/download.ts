/**
 * One file into the cache, as huggingface_hub's `hf_hub_download` puts it there: the bytes go to
 * `blobs/<etag>.incomplete` (kept after an interruption; the next try asks for the rest with a
 * Range request), are checked (size; sha256 for LFS files, whose ETag is their sha256), are renamed
 * to `blobs/<etag>` in one step, and `snapshots/<commit>/<file>` is linked to them. A lock around
 * the blob makes a second process wait for the first and reuse its copy.
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { blobPath, linkSnapshotFile, lockPath, snapshotFolder, snapshotHas, storageFolder } from "./cache";
import { HubError } from "./errors";
import { authHeaders, fetchFileMetadata, hubFetch, statusError, type FileMetadata } from "./http";
import { acquireLock } from "./lock";
import { ProgressTracker, reporterFor, type ProgressOption } from "./progress";
import type { HubSettings } from "./settings";

export interface DownloadOptions {
  progress?: ProgressOption;
  /** Files at least this large get the default progress line (default 10 MB). */
  progressMinBytes?: number;
  /** How many times a transfer cut in the middle is resumed before giving up (default 5). */
  retries?: number;
  /** Told when this process waits for another one downloading the same file. */
  onWait?: (file: string) => void;
}

const SHA256 = /^[0-9a-f]{64}$/;

async function hashFilePrefix(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Fetches `meta.location` into `<blob>.incomplete`, resuming what is there, then checks it and
 * renames it to the blob. Called with the blob's lock held.
 */
async function fetchBlob(settings: HubSettings, repoId: string, file: string, meta: FileMetadata, blob: string, options: DownloadOptions): Promise<void> {
  const incomplete = `${blob}.incomplete`;
  const retries = options.retries ?? 5;
  let check = SHA256.test(meta.etag) ? createHash("sha256") : undefined;
  let have = sizeOf(incomplete);
  if (have > meta.size) {
    rmSync(incomplete, { force: true });
    have = 0;
  }
  if (check && have > 0) await hashFilePrefix(incomplete, check);
  const headers = authHeaders(settings);
  // The storage URL is signed: the token is not sent to another host (as huggingface_hub does).
  if (new URL(meta.location).host !== new URL(settings.endpoint).host) delete headers.authorization;
  let tracker = new ProgressTracker(reporterFor(options.progress, meta.size, options.progressMinBytes), repoId, file, meta.size, have);

  for (let attempt = 0; have < meta.size; attempt++) {
    let res: Response;
    try {
      res = await hubFetch(meta.location, { headers: have > 0 ? { ...headers, range: `bytes=${have}-` } : headers }, settings);
    } catch (err) {
      if (attempt < retries) {
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 8000)));
        continue;
      }
      throw interrupted(err, file, have, meta.size, incomplete);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw statusError(res, { repoId, revision: meta.commit, file }, settings);
    }
    if (have > 0 && res.status !== 206) {
      // The server ignored the Range and sends the whole file: start over.
      have = 0;
      check = SHA256.test(meta.etag) ? createHash("sha256") : undefined;
      tracker = new ProgressTracker(reporterFor(options.progress, meta.size, options.progressMinBytes), repoId, file, meta.size, 0);
    }
    if (res.status === 206) {
      const start = /bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
      if (!start || Number(start[1]) !== have) {
        await res.body?.cancel();
        throw new HubError("ERR_HUB_PROTOCOL", `${meta.location}: asked for bytes from ${have}, the answer starts elsewhere (${res.headers.get("content-range")})`);
      }
    }
    mkdirSync(dirname(incomplete), { recursive: true });
    const fd = openSync(incomplete, have > 0 ? "a" : "w");
    try {
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        let off = 0;
        while (off < value.length) off += writeSync(fd, value, off, value.length - off);
        check?.update(value);
        have += value.length;
        tracker.add(value.length);
        if (have > meta.size) break;
      }
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      if (attempt < retries) continue; // resume from what reached the disk
      throw interrupted(err, file, have, meta.size, incomplete);
    }
    closeSync(fd);
    if (have < meta.size && attempt >= retries) {
      throw interrupted(new Error("the connection closed early"), file, have, meta.size, incomplete);
    }
  }
  tracker.finish();

  if (have !== meta.size) {
    rmSync(incomplete, { force: true });
    throw new HubError("ERR_HUB_CORRUPT", `${repoId} ${file}: received ${have} bytes, the Hub announced ${meta.size}; the partial file was removed, run the command again to download it anew`);
  }
  if (check) {
    const got = check.digest("hex");
    if (got !== meta.etag) {
      rmSync(incomplete, { force: true });
      throw new HubError(
        "ERR_HUB_CORRUPT",
        `${repoId} ${file}: the downloaded bytes have sha256 ${got}, the Hub says ${meta.etag}; the corrupted file was removed, run the command again to download it anew`,
      );
    }
  }
  renameSync(incomplete, blob);
}

function interrupted(err: unknown, file: string, have: number, size: number, incomplete: string): HubError {
  const why = err instanceof HubError ? err.message : ((err as Error).message ?? String(err));
  return new HubError(
    "ERR_HUB_NETWORK",
    `${file}: the download stopped at ${have} of ${size} bytes (${why}); run the command again to resume it (the part already received is kept in ${incomplete})`,
    { cause: err },
  );
}

/**
 * Makes `snapshots/<commit>/<file>` of `repoId` present in the cache and returns its path.
 * `revision` should be a commit hash (what the repository info resolved), so the snapshot is the
 * one asked for even if a branch moves meanwhile.
 */
export async function downloadFileToCache(settings: HubSettings, repoId: string, revision: string, file: string, options: DownloadOptions = {}): Promise<string> {
  const storage = storageFolder(settings.cacheDir, repoId);
  if (/^[0-9a-f]{40}$/.test(revision) && snapshotHas(snapshotFolder(storage, revision), file)) {
    return join(snapshotFolder(storage, revision), file);
  }
  const meta = await fetchFileMetadata(settings, repoId, revision, file);
  const pointer = join(snapshotFolder(storage, meta.commit), file);
  if (snapshotHas(snapshotFolder(storage, meta.commit), file)) return pointer;
  const blob = blobPath(storage, meta.etag);
  mkdirSync(dirname(blob), { recursive: true });
  if (!existsSync(blob)) {
    const lock = await acquireLock(`${lockPath(settings.cacheDir, repoId, meta.etag)}.lukelab`, () => options.onWait?.(file));
    try {
      if (!existsSync(blob)) await fetchBlob(settings, repoId, file, meta, blob, options);
    } finally {
      lock.release();
    }
  }
  linkSnapshotFile(storage, meta.commit, file, meta.etag);
  return pointer;
}
