/** The errors of Hub access, each with a code a caller can test and a message that says what to do. */

export type HubErrorCode =
  | "ERR_HUB_REPO_NOT_FOUND"
  | "ERR_HUB_REVISION_NOT_FOUND"
  | "ERR_HUB_AUTH"
  | "ERR_HUB_FILE_MISSING"
  | "ERR_HUB_OFFLINE_NOT_CACHED"
  | "ERR_HUB_CORRUPT"
  | "ERR_HUB_NETWORK"
  | "ERR_HUB_PROTOCOL";

export class HubError extends Error {
  override name = "HubError";
  constructor(
    readonly code: HubErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What to tell a user whose request needs a token. */
export function tokenAdvice(hasToken: boolean): string {
  return hasToken
    ? "the token in use (HF_TOKEN or the token file) has no access to it: check that it is valid and that you have accepted the model's conditions on its Hub page"
    : "if it is private or gated, accept its conditions on its Hub page and set a token: `export HF_TOKEN=hf_…` (or log in with `huggingface-cli login`, whose token file lukelab reads too)";
}
