/**
 * Sending display data from a tslab cell: a whole MIME bundle (several representations of one output)
 * in one message, which tslab's public API cannot do.
 */

export interface DisplayBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** Something with tslab's `display.raw` (e.g. `tslab.display` or `tslab.newDisplay()`). */
export interface RawDisplay {
  raw(contentType: string, data: unknown): void;
}

/**
 * Sends a multi-MIME bundle through the running tslab kernel. tslab's public `display.raw` sends one
 * MIME key per output, so this uses the function it keeps for the cell being executed
 * (`tslab/dist/jupyter`'s `lastWriteDisplayData`, the one `display.raw` itself calls). Falls back to
 * the public API with the bundle's `primary` MIME key alone if that internal is ever missing.
 * Outside a tslab kernel it throws `noKernel`.
 */
export function sendBundle(
  bundle: DisplayBundle,
  primary = Object.keys(bundle.data)[0],
  noKernel = "sendBundle needs the tslab kernel",
): void {
  let jupyter: { lastWriteDisplayData?: ((data: unknown, update: boolean) => void) | null } | undefined;
  try {
    jupyter = require("tslab/dist/jupyter");
  } catch {
    jupyter = undefined;
  }
  if (jupyter && typeof jupyter.lastWriteDisplayData === "function") {
    jupyter.lastWriteDisplayData({ data: bundle.data, metadata: bundle.metadata, transient: {} }, false);
    return;
  }
  let tslab: { display: RawDisplay } | undefined;
  try {
    tslab = require("tslab");
  } catch {
    tslab = undefined;
  }
  if (!tslab) throw new Error(noKernel);
  tslab.display.raw(primary, bundle.data[primary]);
}
