/** `lukelab analyze attention-stats`: its command line. */
export const USAGE = "lukelab analyze attention-stats\n";

/** Runs the subcommand; returns the process exit code. */
export async function command(argv: readonly string[]): Promise<number> {
  throw new Error(`lukelab analyze attention-stats is being built (${argv.length} arguments)`);
}
