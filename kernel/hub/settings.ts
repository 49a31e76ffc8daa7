/**
 * Where the Hub is and how lukelab may talk to it, read from the same environment variables as
 * Python's huggingface_hub (so one setting serves both):
 *
 *   HF_HUB_CACHE       the cache folder; else HF_HOME/hub; else ~/.cache/huggingface/hub
 *   HF_HOME            also where the token file lives (HF_HOME/token); HF_TOKEN_PATH overrides that
 *   HF_ENDPOINT        the Hub's address (default https://huggingface.co)
 *   HF_TOKEN           the access token (HUGGING_FACE_HUB_TOKEN, the older name, is read too)
 *   HF_HUB_OFFLINE     1/ON/YES/TRUE: never touch the network, use the cache only
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface HubSettings {
  /** The cache folder (models--org--name/ … inside). */
  cacheDir: string;
  /** The Hub's base address, without a trailing slash. */
  endpoint: string;
  /** The access token, if one is set. */
  token?: string;
  /** Use the cache only. */
  offline: boolean;
}

/** Settings a caller may give instead of the environment's. */
export type HubSettingsInput = Partial<HubSettings>;

/** huggingface_hub's `_is_true`: what an environment flag counts as on. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ["1", "ON", "YES", "TRUE"].includes(value.trim().toUpperCase());
}

function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}

function hfHome(env: NodeJS.ProcessEnv): string {
  if (env.HF_HOME) return expandHome(env.HF_HOME);
  return join(env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME) : join(homedir(), ".cache"), "huggingface");
}

/** The cache folder Python's huggingface_hub uses with this environment. */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return expandHome(env.HF_HUB_CACHE);
  if (env.HUGGINGFACE_HUB_CACHE) return expandHome(env.HUGGINGFACE_HUB_CACHE);
  return join(hfHome(env), "hub");
}

/** The token file `huggingface-cli login` writes. */
export function hubTokenPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.HF_TOKEN_PATH ? expandHome(env.HF_TOKEN_PATH) : join(hfHome(env), "token");
}

function readToken(env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = (env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN)?.trim();
  if (fromEnv) return fromEnv;
  const file = hubTokenPath(env);
  if (!existsSync(file)) return undefined;
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The settings in effect: the caller's where given, else the environment's (read at each call). */
export function hubSettings(input: HubSettingsInput = {}, env: NodeJS.ProcessEnv = process.env): HubSettings {
  const endpoint = (input.endpoint ?? env.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/+$/, "");
  return {
    cacheDir: input.cacheDir ?? hubCacheDir(env),
    endpoint,
    token: "token" in input ? input.token : readToken(env),
    offline: input.offline ?? isTrue(env.HF_HUB_OFFLINE),
  };
}
