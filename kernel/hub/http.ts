/**
 * The few Hub requests lukelab makes, as huggingface_hub makes them: the revision's info
 * (`/api/models/{id}/revision/{rev}`) and the `resolve` URL of a file (`/{id}/resolve/{rev}/{file}`),
 * with the token as a Bearer header, and the Hub's `X-Error-Code` turned into errors that say what
 * to do.
 */
import { HubError, tokenAdvice } from "./errors";
import type { HubSettings } from "./settings";

/** How long a metadata request may take before the Hub counts as unreachable (huggingface_hub: 10 s). */
export const METADATA_TIMEOUT_MS = 10_000;

export interface RepoInfo {
  /** The commit the revision points at. */
  sha: string;
  /** Every file in the repository at that commit. */
  files: string[];
}

/** Where a request goes, for messages. */
export interface Target {
  repoId: string;
  revision: string;
  file?: string;
}

export function authHeaders(settings: HubSettings): Record<string, string> {
  const h: Record<string, string> = { "user-agent": "lukelab; huggingface_hub-compatible" };
  if (settings.token) h.authorization = `Bearer ${settings.token}`;
  return h;
}

/** `/{id}/resolve/{revision}/{file}` with the revision and file quoted as hf_hub_url does. */
export function resolveUrl(settings: HubSettings, repoId: string, revision: string, file: string): string {
  const path = file.split("/").map(encodeURIComponent).join("/");
  return `${settings.endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${path}`;
}

export function infoUrl(settings: HubSettings, repoId: string, revision: string): string {
  return `${settings.endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}`;
}

/** A failure to reach the Hub at all (no network, refused, timed out, DNS). */
export function networkError(err: unknown, url: string, settings: HubSettings): HubError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new HubError("ERR_HUB_NETWORK", `could not reach ${settings.endpoint} (${why}) for ${url}`, { cause: err });
}

/** Fetch with network failures turned into ERR_HUB_NETWORK. */
export async function hubFetch(url: string, init: RequestInit, settings: HubSettings): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    throw networkError(err, url, settings);
  }
}

/** The error a non-2xx answer means, in words a user can act on. */
export function statusError(res: Response, target: Target, settings: HubSettings): HubError {
  const code = res.headers.get("x-error-code") ?? "";
  const serverMessage = res.headers.get("x-error-message");
  const said = serverMessage ? ` (the Hub said: ${serverMessage})` : "";
  const repo = target.repoId;
  const where = settings.endpoint;
  if (code === "GatedRepo" || (res.status === 403 && code !== "RepoNotFound")) {
    return new HubError(
      "ERR_HUB_AUTH",
      `${repo} on ${where} is gated or private and refused access (HTTP ${res.status})${said}: ${tokenAdvice(Boolean(settings.token))}`,
    );
  }
  if (res.status === 401 || (res.status === 404 && code === "RepoNotFound")) {
    return new HubError(
      res.status === 401 ? "ERR_HUB_AUTH" : "ERR_HUB_REPO_NOT_FOUND",
      `${repo} was not found on ${where} (HTTP ${res.status})${said}: check the id (org/name, as on its Hub page); ${tokenAdvice(Boolean(settings.token))}`,
    );
  }
  if (res.status === 404 && code === "RevisionNotFound") {
    return new HubError(
      "ERR_HUB_REVISION_NOT_FOUND",
      `${repo} has no revision "${target.revision}" (HTTP 404)${said}: use a branch, a tag or a full commit hash that exists (org/name@main)`,
    );
  }
  if (res.status === 404 && (code === "EntryNotFound" || target.file)) {
    return new HubError(
      "ERR_HUB_FILE_MISSING",
      `${repo}@${target.revision} has no file ${target.file ?? "?"} (HTTP 404)${said}`,
    );
  }
  if (res.status === 404) {
    return new HubError(
      "ERR_HUB_REPO_NOT_FOUND",
      `${repo} was not found on ${where} (HTTP 404)${said}: check the id (org/name, as on its Hub page); ${tokenAdvice(Boolean(settings.token))}`,
    );
  }
  return new HubError("ERR_HUB_NETWORK", `${where} answered HTTP ${res.status} for ${repo}${target.file ? ` ${target.file}` : ""}${said}; try again later`);
}

/** The commit a revision points at and the repository's file list. */
export async function fetchRepoInfo(settings: HubSettings, repoId: string, revision: string): Promise<RepoInfo> {
  const url = infoUrl(settings, repoId, revision);
  const res = await hubFetch(url, { headers: authHeaders(settings), signal: AbortSignal.timeout(METADATA_TIMEOUT_MS) }, settings);
  if (!res.ok) {
    await res.body?.cancel();
    throw statusError(res, { repoId, revision }, settings);
  }
  let body: { sha?: unknown; siblings?: { rfilename?: unknown }[] };
  try {
    body = (await res.json()) as typeof body;
  } catch (err) {
    throw new HubError("ERR_HUB_PROTOCOL", `${url}: the answer is not JSON; is HF_ENDPOINT (${settings.endpoint}) a Hugging Face Hub?`, { cause: err });
  }
  if (typeof body.sha !== "string" || !/^[0-9a-f]{40}$/.test(body.sha) || !Array.isArray(body.siblings)) {
    throw new HubError("ERR_HUB_PROTOCOL", `${url}: the answer has no commit "sha" or no "siblings" list; is HF_ENDPOINT (${settings.endpoint}) a Hugging Face Hub?`);
  }
  const files = body.siblings.map((s) => s.rfilename).filter((f): f is string => typeof f === "string");
  return { sha: body.sha, files };
}

export interface FileMetadata {
  /** The commit the file was resolved at (X-Repo-Commit). */
  commit: string;
  /** The blob's name in the cache: X-Linked-Etag (LFS: the sha256) or ETag (the git blob id). */
  etag: string;
  /** X-Linked-Size or Content-Length. */
  size: number;
  /** Where the bytes are: the storage URL the Hub redirects to, or the resolve URL itself. */
  location: string;
}

/** huggingface_hub's `_normalize_etag`: drops a weak-validator prefix and the quotes. */
export function normalizeEtag(etag: string | null): string | undefined {
  if (!etag) return undefined;
  return etag.replace(/^W\//, "").replace(/^"+|"+$/g, "") || undefined;
}

/**
 * HEAD on the resolve URL without following the redirect to storage (its headers carry the LFS
 * file's sha256 and size), following only relative redirects (a renamed repository), as
 * huggingface_hub's `get_hf_file_metadata` does.
 */
export async function fetchFileMetadata(settings: HubSettings, repoId: string, revision: string, file: string): Promise<FileMetadata> {
  let url = resolveUrl(settings, repoId, revision, file);
  const headers = { ...authHeaders(settings), "accept-encoding": "identity" };
  for (let hops = 0; ; hops++) {
    const res = await hubFetch(url, { method: "HEAD", headers, redirect: "manual", signal: AbortSignal.timeout(METADATA_TIMEOUT_MS) }, settings);
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location && location.startsWith("/") && hops < 5) {
      url = new URL(location, url).toString();
      continue;
    }
    if (res.status >= 400) throw statusError(res, { repoId, revision, file }, settings);
    const commit = res.headers.get("x-repo-commit");
    const etag = normalizeEtag(res.headers.get("x-linked-etag") ?? res.headers.get("etag"));
    const sizeText = res.headers.get("x-linked-size") ?? res.headers.get("content-length");
    const size = sizeText === null ? NaN : Number(sizeText);
    if (!commit || !etag || !Number.isSafeInteger(size)) {
      const lacks = [!commit && "X-Repo-Commit", !etag && "ETag", !Number.isSafeInteger(size) && "a size"].filter(Boolean).join(", ");
      throw new HubError("ERR_HUB_PROTOCOL", `${url}: the answer lacks ${lacks}; is HF_ENDPOINT (${settings.endpoint}) a Hugging Face Hub, or is a proxy in the way?`);
    }
    return { commit, etag, size, location: res.status >= 300 && location ? new URL(location, url).toString() : url };
  }
}
