/**
 * The option parsing the CLI's subcommands share: node:util's parseArgs (strict: an unknown option
 * or a missing value is an error) from a short spec, with -h/--help added, where
 *
 *   - a parse mistake becomes the command's own usage error (same message), so the CLI exits 2,
 *   - --help prints the command's usage text; the caller then returns 0, and
 *   - the required options are checked in the order given: "--model is required (what it is)".
 *
 *   const values = parseCommandLine(argv, {
 *     strings: ["model", "seed"],
 *     flags: ["no-html"],
 *     required: { model: "an entity-typing checkpoint folder" },
 *     usage: USAGE,
 *     error: BiasUsageError,
 *   });
 *   if (!values) return 0; // --help was printed
 *   values.model;          // string (required); values.seed: string | undefined; values["no-html"]: boolean
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** The option table of parseArgs ({ "output-dir": { type: "string" }, … }). */
export type CommandOptions = NonNullable<ParseArgsConfig["options"]>;

/** An on/off option, off unless given. */
const FLAG = { type: "boolean", default: false } as const;

const HELP = { help: { ...FLAG, short: "h" } } as const;

/** A command's usage error class: the CLI prints its message with a pointer to the usage, exit 2. */
export type UsageErrorClass = new (message: string) => Error;

/** What a command takes: its options by kind, which are required, its usage text and its error. */
export interface CommandSpec<S extends string, F extends string, O extends CommandOptions, R extends S> {
  /** Options that take one string value (`--model DIR`), the usual kind. */
  strings?: readonly S[];
  /** On/off options, off unless given (`--no-html`). */
  flags?: readonly F[];
  /** Other options, as parseArgs takes them (a default, `multiple: true`). */
  options?: O;
  /** String options that must be given (and not empty), in the order checked: option → what it is ("" for nothing). */
  required?: { readonly [K in R]: string };
  /** Printed for -h / --help. */
  usage: string;
  /** Thrown for a parse mistake or a missing required option. */
  error: UsageErrorClass;
}

/** The parseArgs option table a spec stands for. */
export type SpecOptions<S extends string, F extends string, O extends CommandOptions> = { [K in S]: { type: "string" } } & {
  [K in F]: typeof FLAG;
} & O &
  typeof HELP;

/** What parseCommandLine returns: the values parseArgs gives for these options (and help), required ones as strings. */
export type CommandValues<S extends string, F extends string, O extends CommandOptions, R extends S> = ReturnType<
  typeof parseArgs<{ args: string[]; options: SpecOptions<S, F, O> }>
>["values"] & { [K in R]: string };

/**
 * Parses argv by the spec. Returns the values, or undefined after printing the usage to stdout for
 * --help. A parse mistake is thrown as `spec.error` with parseArgs' message, and so is a missing
 * required option.
 */
export function parseCommandLine<const S extends string = never, const F extends string = never, const O extends CommandOptions = {}, R extends S = never>(
  argv: readonly string[],
  spec: CommandSpec<S, F, O, R>,
): CommandValues<S, F, O, R> | undefined {
  const options: CommandOptions = { ...spec.options, ...HELP };
  for (const name of spec.strings ?? []) options[name] = { type: "string" };
  for (const name of spec.flags ?? []) options[name] = FLAG;
  let given: Record<string, unknown>;
  try {
    given = parseArgs({ args: [...argv], options }).values;
  } catch (err) {
    throw new spec.error((err as Error).message);
  }
  if (given.help) {
    process.stdout.write(spec.usage);
    return undefined;
  }
  for (const [name, what] of Object.entries<string>(spec.required ?? {})) {
    if (!given[name]) throw new spec.error(`--${name} is required${what ? ` (${what})` : ""}`);
  }
  // parseArgs gives exactly the values of SpecOptions<S, F, O>: the table built above.
  return given as CommandValues<S, F, O, R>;
}
