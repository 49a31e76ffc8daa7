/** `lukelab analyze embedding`: its command line. */
export const USAGE = "lukelab analyze embedding\n";

/** Runs the subcommand; returns the process exit code. */
export async function command(argv: readonly string[]): Promise<number> {
  throw new Error(`lukelab analyze embedding is being built (${argv.length} arguments)`);
}
