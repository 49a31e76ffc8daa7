/** `lukelab analyze dataset`: its command line. */
export const USAGE = "lukelab analyze dataset\n";

/** Runs the subcommand; returns the process exit code. */
export async function command(argv: readonly string[]): Promise<number> {
  throw new Error(`lukelab analyze dataset is being built (${argv.length} arguments)`);
}
