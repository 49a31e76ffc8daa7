/** Hub model ids as lukelab takes them: `org/name` or `org/name@revision` (a branch, tag or commit). */

export interface HubId {
  /** `org/name`. */
  repoId: string;
  /** The branch, tag or commit asked for ("main" when none is given). */
  revision: string;
  /** Whether the text named a revision. */
  explicitRevision: boolean;
}

// The Hub's own rule for names: letters, digits, '-', '_', '.', not starting or ending with '-' or
// '.', no '--' or '..', at most 96 characters. One '/' between the owner and the name.
const PART = /^(?!.*(--|\.\.))[A-Za-z0-9](?:[\w.-]{0,94}[A-Za-z0-9])?$/;
export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** Reads `org/name[@revision]`; undefined when the text cannot be a Hub model id (e.g. `./x`, `a/b/c`). */
export function parseHubId(text: string): HubId | undefined {
  const at = text.indexOf("@");
  const repoId = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? "" : text.slice(at + 1);
  const parts = repoId.split("/");
  if (parts.length !== 2 || !parts.every((p) => PART.test(p))) return undefined;
  if (at >= 0 && (revision === "" || /\s/.test(revision) || revision.split("/").some((s) => s === "" || s === "." || s === ".."))) return undefined;
  return { repoId, revision: revision || "main", explicitRevision: at >= 0 };
}

/** `org/name` or `org/name@revision`, as the user would write it. */
export function formatHubId(id: HubId): string {
  return id.explicitRevision ? `${id.repoId}@${id.revision}` : id.repoId;
}
