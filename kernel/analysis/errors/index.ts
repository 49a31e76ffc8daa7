/** lukelab analyze errors: its notebook API. */
export {};
