/** Marked-up text (`<mention|labels>`) to entity-typing examples. */
export {};
