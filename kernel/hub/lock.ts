/**
 * A lock between processes around one blob's download, so two processes fetching the same file at
 * once leave one good copy: the second waits, then finds the blob and uses it.
 *
 * huggingface_hub takes an flock on `.locks/<repo>/<etag>.lock`; Node has no flock, and that file
 * stays behind after Python releases it, so lukelab cannot lock the same file by creating it.
 * lukelab's lock is `<etag>.lock.lukelab` beside it, created exclusively (O_EXCL), holding the
 * owner's pid and host, touched every few seconds while held. A lock whose owner has died (same
 * host, pid gone) or that nobody touched for STALE_MS is taken over. Between lukelab and a Python
 * process downloading the same file at the very same moment there is no lock; the sha256 check and
 * the atomic rename still keep a broken file from being used.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { dirname } from "node:path";

const HEARTBEAT_MS = 2_000;
const STALE_MS = 30_000;
const POLL_MS = 100;

interface Owner {
  pid: number;
  host: string;
  nonce: string;
}

export interface HeldLock {
  release(): void;
}

function readOwner(path: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Owner;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isStale(path: string, owner: Owner | undefined): boolean {
  let age: number;
  try {
    age = Date.now() - statSync(path).mtimeMs;
  } catch {
    return false; // gone already: the next try creates it
  }
  if (owner && owner.host === hostname() && !alive(owner.pid)) return true;
  return age > STALE_MS;
}

/** Moves a stale lock aside and deletes it, unless someone else replaced it meanwhile. */
function breakStale(path: string, seen: Owner | undefined): void {
  const aside = `${path}.${randomBytes(4).toString("hex")}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  const moved = readOwner(aside);
  if (seen && moved && moved.nonce !== seen.nonce) {
    // A fresh lock was taken between our look and the move: put it back (best effort).
    try {
      renameSync(aside, path);
      return;
    } catch {
      /* fall through: it is ours to drop now */
    }
  }
  rmSync(aside, { force: true });
}

/** Waits for and takes the lock at `path`; `onWait` is called once if another process holds it. */
export async function acquireLock(path: string, onWait?: (owner: Owner | undefined) => void): Promise<HeldLock> {
  mkdirSync(dirname(path), { recursive: true });
  const me: Owner = { pid: process.pid, host: hostname(), nonce: randomBytes(8).toString("hex") };
  let told = false;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(path, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (fd !== undefined) {
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      const beat = setInterval(() => {
        const now = new Date();
        try {
          utimesSync(path, now, now);
        } catch {
          /* removed under us: the download still ends with an atomic rename */
        }
      }, HEARTBEAT_MS);
      beat.unref();
      return {
        release() {
          clearInterval(beat);
          if (readOwner(path)?.nonce === me.nonce) rmSync(path, { force: true });
        },
      };
    }
    const owner = readOwner(path);
    if (isStale(path, owner)) {
      breakStale(path, owner);
      continue;
    }
    if (!told) {
      onWait?.(owner);
      told = true;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
