/** Marked-up text (`<mention|labels>`) to entity-typing examples: the API and the file reader. */
export { MarkupError, parseMarkedSentence } from "./parse";
export type { MarkedMention, MarkedSentence, ParseMarkupOptions } from "./parse";
export { detectMarkupFormat, markupExamples, markupJson, readMarkupFile } from "./examples";
export type { MarkupExample, MarkupFormat, MarkupOptions } from "./examples";
