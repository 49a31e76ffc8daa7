/**
 * `lukelab analyze bias --model DIR --probe FILE.yaml --output-dir OUT [--permutations N] [--seed S]`:
 * runs a bias probe (probe.ts) through an entity-typing model and writes its tables and figures
 * (report.ts). This parses the command line and prints.
 */
import { join, relative } from "node:path";
import { parseCommandLine } from "../../io/command-line";

export const USAGE = `lukelab analyze bias --model DIR --probe FILE.yaml --output-dir OUT [--permutations N] [--seed S]
                     [--batch-size N]
      Fills every template of the probe file with every name (or pronoun) of every group, runs the
      entity-typing model at DIR on each sentence (the filler is the mention), and compares the
      groups on each label score and on the attention from the mention / the [MASK] entity to each
      target word: difference of means, Welch's t-test and a permutation test. Writes to OUT:
      <probe>-examples.csv (every filled template: scores, attention in every layer),
      <probe>-comparisons.csv (measure, groups, means, difference, t, df, p Welch, p permutation),
      <probe>.json, and figures/*.html (Plotly) with a static figures/*.svg for each.

Options:
  --model DIR          a LUKE entity-typing checkpoint folder (LukeForEntityClassification)
  --probe FILE         the probe: .yaml, .yml or .json (see docs/bias-probes.md; samples/bias/ has examples)
  --output-dir OUT     where the tables and figures go
  --permutations N     random splits of the permutation test; with N or fewer distinct splits the
                       test is exact [default: 9999, as scipy.stats.permutation_test]
  --seed S             seed of the permutation test's random splits [default: 0]
  --batch-size N       sentences per forward pass [default: 16]
  -h, --help           this text

Probe file:
  name: doctor-nurse
  templates:                      # exactly one {name} slot each ({Name} upper-cases the first letter)
    - { id: dn, text: "The doctor asked the nurse a question . {name}" }
    - { id: nd, text: "The nurse asked the doctor a question . {name}" }
  targets: [doctor, nurse]        # each exactly once in every template
  groups: { group_a: [Anna, Maria], group_b: [James, Peter] }
  labels: [person]                # optional, default every label
  from: [mention, entity]         # optional: attention from the mention's tokens / the [MASK] entity
  layer: last                     # optional: 0-based layer compared (per-layer figures show all)
  contrasts: [[doctor, nurse]]    # optional: also attention to doctor minus attention to nurse
  compare: [[group_a, group_b]]   # optional, default every pair
  by_template: false              # optional: also compare within each template
`;

/** A command-line mistake: the CLI prints it with a pointer to the usage and exits with 2. */
export class BiasUsageError extends Error {
  readonly code = "ERR_PARSE_ARGS_BIAS";
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new BiasUsageError(`${flag} must be a positive integer, got ${value}`);
  return n;
}

/** Runs the subcommand; returns the process exit code. */
export async function command(argv: readonly string[]): Promise<number> {
  const values = parseCommandLine(argv, {
    strings: ["model", "probe", "output-dir", "permutations", "seed", "batch-size"],
    required: { model: "an entity-typing checkpoint folder", probe: "a .yaml or .json probe file; see samples/bias/", "output-dir": "" },
    usage: USAGE,
    error: BiasUsageError,
  });
  if (!values) return 0;
  const permutations = positiveInt(values.permutations, "--permutations");
  const batchSize = positiveInt(values["batch-size"], "--batch-size");
  let seed: number | undefined;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new BiasUsageError(`--seed must be a non-negative integer, got ${values.seed}`);
  }
  const outDir = values["output-dir"];

  // Check the probe before paying for the model.
  const { readProbeFile } = await import("./probe");
  const probe = readProbeFile(values.probe);
  const { loadLuke } = await import("../../inference/luke");
  const { analyseBiasProbe, writeBiasReport } = await import("./report");
  const { formatP } = await import("./figures");
  const luke = await loadLuke(values.model);
  try {
    const report = await analyseBiasProbe(luke, probe, { permutations, seed, batchSize });
    const written = writeBiasReport(report, outDir);
    const lines = [
      `probe ${probe.name}: ${report.run.examples.length} filled templates (${probe.templates.length} templates × ${probe.groups.map((g) => `${g.fillers.length} ${g.name}`).join(", ")})`,
      `model ${values.model}: ${report.run.layers} layers; groups compared at layer ${report.run.layer}`,
    ];
    for (const c of report.comparisons) {
      if (c.template !== "all") continue;
      lines.push(`  ${c.measure}: ${c.groupA} ${c.meanA.toPrecision(4)} vs ${c.groupB} ${c.meanB.toPrecision(4)}, difference ${c.difference.toPrecision(3)}, Welch p ${formatP(c.pWelch)}, permutation p ${formatP(c.pPermutation)}${c.exact ? " (exact)" : ""}`);
    }
    // Paths as given when they are outside the working folder.
    const show = (p: string) => (relative(process.cwd(), p).startsWith("..") ? p : relative(process.cwd(), p));
    lines.push(`wrote ${show(written.examples)}, ${show(written.comparisons)}, ${show(written.json)} and ${written.html.length} figures (HTML and SVG) in ${show(join(outDir, "figures"))}`);
    process.stdout.write(lines.join("\n") + "\n");
    return 0;
  } finally {
    luke.dispose();
  }
}
