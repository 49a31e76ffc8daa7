/** Models by Hugging Face Hub id, in the cache Python's huggingface_hub uses. */
export { hubCacheDir, hubSettings, hubTokenPath, type HubSettings, type HubSettingsInput } from "./settings";
export { parseHubId, formatHubId, type HubId } from "./id";
export { HubError, type HubErrorCode } from "./errors";
export { repoFolderName } from "./cache";
export { downloadFileToCache, type DownloadOptions } from "./download";
export { progressLine, type DownloadProgress, type ProgressOption } from "./progress";
export {
  downloadLukeSnapshot,
  isHubModelId,
  resolveModelPath,
  LUKE_TOKENIZER_FILES,
  LUKE_WEIGHT_FILES,
  type HubOptions,
  type HubSnapshot,
} from "./snapshot";
