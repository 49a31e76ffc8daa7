/** lukelab analyze bias: its notebook API. */
export {};
