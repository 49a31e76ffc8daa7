/** `lukelab analyze errors`: its command line. */
export const USAGE = "lukelab analyze errors\n";

/** Runs the subcommand; returns the process exit code. */
export async function command(argv: readonly string[]): Promise<number> {
  throw new Error(`lukelab analyze errors is being built (${argv.length} arguments)`);
}
