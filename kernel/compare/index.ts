/** Attention of LUKE, BERT, RoBERTa and GPT-2 on one sentence, side by side, with token alignment. */
export { alignWords, compareModels, sentenceWords, wordToWordAttention } from "./compare";
export type { AttentionCompareOptions, ComparedModel, AttentionComparison, ModelAttention, SentenceWord, WordPairAttention } from "./compare";
export { compareAttention, comparisonBundle, type CompareDisplayOptions } from "./html";
