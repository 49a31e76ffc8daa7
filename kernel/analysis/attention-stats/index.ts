/** lukelab analyze attention-stats: its notebook API. */
export {};
