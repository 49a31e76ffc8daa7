/**
 * A Hugging Face Hub stand-in on loopback, for tests and notebooks with no internet: it answers
 * what huggingface_hub and lukelab ask when they download a model, serving local folders as
 * repositories.
 *
 *   GET  /api/models/{org}/{name}/revision/{rev}   → { id, sha, siblings: [{ rfilename }] }
 *   HEAD/GET /{org}/{name}/resolve/{rev}/{file}    → small files: 200 with ETag (git blob id),
 *        X-Repo-Commit; weights (LFS): 302 to /storage/{sha256} with X-Linked-Etag, X-Linked-Size
 *   GET  /storage/{sha256}                         → the bytes, byte ranges (206) supported
 *
 * Errors as the Hub sends them: 404 with X-Error-Code RepoNotFound / RevisionNotFound /
 * EntryNotFound, 401 for a private repository without the right token, 401/403 GatedRepo.
 * `faults` lets a test cut a transfer after N bytes or corrupt it; `requests` logs what was asked.
 *
 * As a process: node lib/test/hub/stand-in.js [--repo org/name=DIR …] [--port N] [--token T]
 * prints its URL as the first line of stdout and serves until SIGTERM (default repo:
 * lukelab/tiny-luke = samples/tiny-luke).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";

export interface RevisionSpec {
  folder: string;
  /** Branch and tag names that point at this commit ("main" for the first revision by default). */
  refs?: string[];
}

export interface RepoSpec {
  revisions: RevisionSpec[];
  /** Needs the stand-in's token (401 without it, as a private repo). */
  private?: boolean;
  /** Gated: 401 without a token, 403 with a token that is not the stand-in's. */
  gated?: boolean;
}

export interface Faults {
  /** Cut the connection after `bytes` bytes of `file`, `times` times (default 1). */
  dropAfter?: { file: string; bytes: number; times?: number };
  /** Flip bytes of `file` in transit, `times` times (default 1). */
  corrupt?: { file: string; times?: number };
  /** Answer every Range request with the whole file (200), as some proxies do. */
  ignoreRange?: boolean;
  /** Send `file` slowly: `chunk` bytes every `delayMs`. */
  throttle?: { file: string; chunk: number; delayMs: number };
  /** Send the first `bytes` of `file`, then the rest once `release` resolves (two downloads overlap for sure). */
  hold?: { file: string; bytes: number; release: Promise<void> };
}

export interface LoggedRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
}

export interface StandInOptions {
  repos: Record<string, string | RepoSpec>;
  /** The token private and gated repositories accept. */
  token?: string;
  port?: number;
  /** Which files are served as LFS (redirect to storage, sha256 ETag); default weights files. */
  isLfs?: (file: string) => boolean;
}

export interface HubStandIn {
  url: string;
  close(): Promise<void>;
  faults: Faults;
  requests: LoggedRequest[];
  /** The commit hash each revision of a repository got, in the order given. */
  commits(repoId: string): string[];
}

interface ServedFile {
  bytes: Buffer;
  sha256: string;
  gitOid: string;
  lfs: boolean;
}

interface Commit {
  sha: string;
  files: Map<string, ServedFile>;
}

const defaultLfs = (f: string) => /\.(safetensors|bin|pt|h5|msgpack)$/.test(f);

function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, `${prefix}${name}/`));
    else out.push(`${prefix}${name}`);
  }
  return out;
}

function loadCommit(repoId: string, index: number, folder: string, isLfs: (f: string) => boolean): Commit {
  const files = new Map<string, ServedFile>();
  const tree = createHash("sha1").update(`${repoId}\n${index}\n`);
  for (const name of listFiles(folder)) {
    const bytes = readFileSync(join(folder, name));
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const gitOid = createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
    files.set(name, { bytes, sha256, gitOid, lfs: isLfs(name) });
    tree.update(`${name}\0${gitOid}\n`);
  }
  return { sha: tree.digest("hex"), files };
}

/** Starts the stand-in on 127.0.0.1 (a free port unless `port` is given). */
export async function startHubStandIn(options: StandInOptions): Promise<HubStandIn> {
  const isLfs = options.isLfs ?? defaultLfs;
  const repos = new Map<string, { spec: RepoSpec; commits: Commit[]; refs: Map<string, Commit> }>();
  for (const [repoId, given] of Object.entries(options.repos)) {
    const spec: RepoSpec = typeof given === "string" ? { revisions: [{ folder: given }] } : given;
    const commits = spec.revisions.map((r, i) => loadCommit(repoId, i, r.folder, isLfs));
    const refs = new Map<string, Commit>();
    spec.revisions.forEach((r, i) => (r.refs ?? (i === 0 ? ["main"] : [])).forEach((name) => refs.set(name, commits[i])));
    repos.set(repoId, { spec, commits, refs });
  }
  const blobs = new Map<string, ServedFile>();
  for (const repo of repos.values()) for (const c of repo.commits) for (const f of c.files.values()) if (f.lfs) blobs.set(f.sha256, f);

  const faults: Faults = {};
  const requests: LoggedRequest[] = [];
  let base = "";

  function fail(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
    const body = JSON.stringify({ error: message });
    res.writeHead(status, { "content-type": "application/json", "x-error-code": code, "x-error-message": message, "content-length": Buffer.byteLength(body), ...extra });
    res.end(body);
  }

  /** The repository and commit a request names, or the error already sent. */
  function lookup(req: IncomingMessage, res: ServerResponse, repoId: string, revision: string): Commit | undefined {
    const repo = repos.get(repoId);
    const auth = req.headers.authorization;
    const tokenOk = options.token !== undefined && auth === `Bearer ${options.token}`;
    if (!repo || (repo.spec.private && !tokenOk)) {
      // The Hub does not say whether a private repository exists.
      fail(res, auth || !repo ? 404 : 401, "RepoNotFound", "Repository not found");
      return undefined;
    }
    if (repo.spec.gated && !tokenOk) {
      fail(res, auth ? 403 : 401, "GatedRepo", `Access to model ${repoId} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
      return undefined;
    }
    const commit = repo.refs.get(revision) ?? repo.commits.find((c) => c.sha === revision);
    if (!commit) {
      fail(res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
      return undefined;
    }
    return commit;
  }

  function sendBytes(req: IncomingMessage, res: ServerResponse, file: string, bytes: Buffer, headers: Record<string, string>): void {
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (range && !faults.ignoreRange) {
      start = Number(range[1]);
      if (start >= bytes.length) {
        res.writeHead(416, { "content-range": `bytes */${bytes.length}` });
        res.end();
        return;
      }
    }
    let body = bytes.subarray(start);
    const h: Record<string, string | number> = { ...headers, "accept-ranges": "bytes", "content-length": body.length, "content-type": "application/octet-stream" };
    if (start > 0) h["content-range"] = `bytes ${start}-${bytes.length - 1}/${bytes.length}`;
    res.writeHead(start > 0 ? 206 : 200, h);
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const corrupt = faults.corrupt;
    if (corrupt && corrupt.file === file && (corrupt.times ?? 1) > 0) {
      corrupt.times = (corrupt.times ?? 1) - 1;
      body = Buffer.from(body);
      for (let i = 0; i < body.length; i += 997) body[i] ^= 0xff;
    }
    const drop = faults.dropAfter;
    if (drop && drop.file === file && (drop.times ?? 1) > 0 && start < drop.bytes) {
      drop.times = (drop.times ?? 1) - 1;
      res.write(body.subarray(0, drop.bytes - start), () => res.destroy());
      return;
    }
    const hold = faults.hold;
    if (hold && hold.file === file && start < hold.bytes) {
      res.write(body.subarray(0, hold.bytes - start));
      void hold.release.then(() => res.end(body.subarray(hold.bytes - start)));
      return;
    }
    const slow = faults.throttle;
    if (slow && slow.file === file) {
      let at = 0;
      const tick = () => {
        if (res.destroyed) return;
        if (at >= body.length) return void res.end();
        res.write(body.subarray(at, at + slow.chunk));
        at += slow.chunk;
        setTimeout(tick, slow.delayMs);
      };
      tick();
      return;
    }
    res.end(body);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", base);
    const path = decodeURIComponent(url.pathname);
    requests.push({ method: req.method ?? "GET", path, range: req.headers.range, authorization: req.headers.authorization });

    let m = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(url.pathname);
    if (m && req.method === "GET") {
      const repoId = decodeURIComponent(m[1]);
      const commit = lookup(req, res, repoId, decodeURIComponent(m[2]));
      if (!commit) return;
      const body = JSON.stringify({
        id: repoId,
        modelId: repoId,
        sha: commit.sha,
        private: Boolean(repos.get(repoId)!.spec.private),
        gated: repos.get(repoId)!.spec.gated ? "auto" : false,
        siblings: [...commit.files.keys()].map((rfilename) => ({ rfilename })),
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (m && (req.method === "GET" || req.method === "HEAD")) {
      const repoId = decodeURIComponent(m[1]);
      const commit = lookup(req, res, repoId, decodeURIComponent(m[2]));
      if (!commit) return;
      const name = m[3].split("/").map(decodeURIComponent).join("/");
      const file = commit.files.get(name);
      if (!file) {
        fail(res, 404, "EntryNotFound", `${name} does not exist on "${m[2]}"`, { "x-repo-commit": commit.sha });
        return;
      }
      if (file.lfs) {
        const body = "Found. Redirecting";
        res.writeHead(302, {
          location: `${base}/storage/${file.sha256}?name=${encodeURIComponent(name)}`,
          "x-repo-commit": commit.sha,
          "x-linked-etag": `"${file.sha256}"`,
          "x-linked-size": String(file.bytes.length),
          etag: `"${file.gitOid}"`,
          "content-length": Buffer.byteLength(body),
        });
        res.end(req.method === "HEAD" ? undefined : body);
        return;
      }
      sendBytes(req, res, name, file.bytes, { etag: `"${file.gitOid}"`, "x-repo-commit": commit.sha });
      return;
    }
    m = /^\/storage\/([0-9a-f]{64})$/.exec(url.pathname);
    if (m && (req.method === "GET" || req.method === "HEAD")) {
      const blob = blobs.get(m[1]);
      if (!blob) {
        res.writeHead(404).end();
        return;
      }
      sendBytes(req, res, url.searchParams.get("name") ?? m[1], blob.bytes, { etag: `"${blob.sha256}"` });
      return;
    }
    fail(res, 404, "NotFound", `no route ${req.method} ${url.pathname}`);
  });

  await new Promise<void>((ok, ko) => {
    server.once("error", ko);
    server.listen(options.port ?? 0, "127.0.0.1", () => ok());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    faults,
    requests,
    commits: (repoId) => repos.get(repoId)?.commits.map((c) => c.sha) ?? [],
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

function usage(): never {
  process.stderr.write("usage: node lib/test/hub/stand-in.js [--repo org/name=DIR …] [--port N] [--token T]\n");
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const repos: Record<string, string> = {};
  let port: number | undefined;
  let token: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = argv[i + 1];
    if (a === "--repo" && value && /^[^=\s]+\/[^=\s]+=.+$/.test(value)) {
      const eq = value.indexOf("=");
      repos[value.slice(0, eq)] = resolve(value.slice(eq + 1));
      i++;
    } else if (a === "--port" && value && /^\d+$/.test(value)) {
      port = Number(value);
      i++;
    } else if (a === "--token" && value) {
      token = value;
      i++;
    } else usage();
  }
  if (Object.keys(repos).length === 0) repos["lukelab/tiny-luke"] = resolve(__dirname, "..", "..", "..", "samples", "tiny-luke");
  const standIn = await startHubStandIn({ repos, port, token });
  process.stdout.write(`${standIn.url}\n`);
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`stand-in: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
