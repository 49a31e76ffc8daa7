/**
 * Plain, framework-free tensors: the seam between checkpoint readers/writers and the model.
 * Checkpoint code produces and consumes these; the model turns them into TF.js variables. They live
 * with the model (the lower layer): kernel/checkpoint re-exports them from its tensor-data.ts.
 */

export type DType = "float32" | "float16" | "bfloat16" | "float64" | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool";

export interface TensorData {
  dtype: DType;
  shape: number[];
  /**
   * Values in row-major order. Floating types (float16/bfloat16/float64 included) are decoded to
   * Float32Array; integer types to Int32Array (int64 values outside ±2^31 are an error where read);
   * bool to Uint8Array.
   */
  data: Float32Array | Int32Array | Uint8Array;
}

/** Weight name → tensor, in Hugging Face naming (`luke.encoder.layer.0.attention.self.query.weight`). */
export type StateDict = Map<string, TensorData>;

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
