/** `lukelab markup`: its command line. */
export async function markupCommand(argv: readonly string[]): Promise<number> {
  throw new Error(`lukelab markup is being built (${argv.length} arguments)`);
}
