/**
 * arquero, loaded on first use: it costs ~100 ms to load, and `import "lukelab"` (which re-exports
 * the analysis API) should not pay for it unless a table is made.
 */
import type * as Arquero from "arquero";

export type { ColumnTable } from "arquero";

let loaded: typeof Arquero | undefined;

export function aq(): typeof Arquero {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require("arquero") as typeof Arquero);
}
