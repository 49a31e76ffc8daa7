/** lukelab analyze dataset: its notebook API. */
export {};
