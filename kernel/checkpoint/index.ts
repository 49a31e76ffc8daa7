/** Weights in and out: safetensors, PyTorch files (tensors only, never code), HF folders, the original LUKE archive. */
export * from "./tensor-data";
export { loadSafetensors, parseSafetensors, readSafetensorsHeader, saveSafetensors, serializeSafetensors, SAFETENSORS_DTYPES } from "./safetensors";
export type { SafetensorsEntry, SafetensorsFile, SafetensorsHeader } from "./safetensors";
export { loadTorchCheckpoint, readTorchCheckpoint, ALLOWED_GLOBALS } from "./torch-file";
export { loadHfCheckpoint, saveHfCheckpoint, readJsonObject, WEIGHT_FILES } from "./hf-folder";
export type { HfCheckpoint, SavedHfCheckpoint } from "./hf-folder";
// Declared with the model's weight tree (one declaration for every reader and writer); re-exported here too.
export { checkWeights, normaliseLukeKeys, lukeBaseWeightShapes, TIED_DECODER_KEYS } from "../model/weight-tree";
export type { LukeShapeConfig, NormalisedKeys } from "../model/weight-tree";
export {
  loadOriginalLukeArchive,
  convertOriginalLuke,
  parseEntityVocabTsv,
  parseEntityVocabJsonl,
  LUKE_CONFIG_DEFAULTS,
} from "./original-luke";
export type { OriginalLuke, OriginalLukeOptions } from "./original-luke";
export { extractTarMembers } from "./tar";
export type { TarExtraction, TarMember } from "./tar";
export { FileByteSource, MemoryByteSource } from "./byte-source";
export type { ByteSource } from "./byte-source";
