/** `lukelab analyze bias`: its command line. */
export const USAGE = "lukelab analyze bias\n";

/** Runs the subcommand; returns the process exit code. */
export async function command(argv: readonly string[]): Promise<number> {
  throw new Error(`lukelab analyze bias is being built (${argv.length} arguments)`);
}
