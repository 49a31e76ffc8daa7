/**
 * The framework-free tensors checkpoint readers and writers produce and consume. They are declared
 * with the model (kernel/model/tensor-data.ts), the lower layer, so the model never imports from
 * here; this file keeps the checkpoint-side import path.
 */
export * from "../model/tensor-data";
