/** lukelab analyze embedding: its notebook API. */
export {};
