/** Models by Hugging Face Hub id, in the cache Python's huggingface_hub uses. */
export {};
