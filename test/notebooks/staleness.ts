/**
 * Is a committed notebook what executing it gives now? compareNotebooks lists what differs among the
 * things that must not change (docs/notebooks.md says why each is compared the way it is):
 *   - every cell's type and source, exactly;
 *   - per code cell, the number of outputs, their types, stream names and MIME types;
 *   - text (stream text, text/plain, text/html, text/markdown, text/latex) with numbers compared
 *     with a tolerance (numbersClose): native TensorFlow and WebAssembly, or two CPUs, may differ in
 *     the last digits;
 *   - JSON payloads (the attention and Plotly MIME types) by shape: the same keys, array lengths and
 *     kinds of value, not the numbers or the base64 weights in them;
 *   - images: present and not empty on both sides, not byte-equal;
 *   - no error output on either side.
 * staticViewProblems checks what a reader without the extension sees.
 */
import type { CellOutput, Notebook, NotebookCell } from "./run-notebook";

/** Relative tolerance for decimal numbers in text (at least one unit in the last printed digit). */
export const RELATIVE_TOLERANCE = 1e-4;
const NUMBER = /[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?/g;
const TEXT_MIME = ["text/plain", "text/html", "text/markdown", "text/latex"];
const IMAGE_MIME = ["image/png", "image/svg+xml", "image/jpeg", "image/gif"];
/** What GitHub, nbviewer and nbconvert draw without any extension. */
const STATIC_MIME = new Set([...TEXT_MIME, ...IMAGE_MIME, "application/pdf"]);

/**
 * Two printed numbers agree: integers exactly; decimals within RELATIVE_TOLERANCE, or one unit in the
 * last digit printed (0.1818 and 0.1819 can both be 0.18185 rounded by two backends).
 */
export function numbersClose(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
  const integer = (s: string) => !/[.eE]/.test(s);
  if (integer(a) && integer(b)) return false;
  const decimals = (s: string) => (/e/i.test(s) ? 0 : (s.split(".")[1] ?? "").length);
  const unit = Math.max(decimals(a), decimals(b)) > 0 ? 10 ** -Math.max(decimals(a), decimals(b)) : 0;
  return Math.abs(x - y) <= Math.max(RELATIVE_TOLERANCE * Math.max(Math.abs(x), Math.abs(y)), unit * (1 + 1e-9));
}

/** Text equal apart from numbers that are numbersClose. */
export function textClose(a: string, b: string): boolean {
  if (a === b) return true;
  const split = (s: string) => ({ words: s.split(NUMBER), numbers: s.match(NUMBER) ?? [] });
  const x = split(a);
  const y = split(b);
  if (x.numbers.length !== y.numbers.length || x.words.some((w, i) => w !== y.words[i])) return false;
  return x.numbers.every((n, i) => numbersClose(n, y.numbers[i]));
}

function clip(s: string, n = 160): string {
  const one = JSON.stringify(s);
  return one.length > n ? `${one.slice(0, n - 1)}…"` : one;
}

/** Two long lines cut to where they start to differ (a table row, an inline SVG), short ones whole. */
function around(a: string, b: string, width = 140): [string, string] {
  if (a.length <= width && b.length <= width) return [a, b];
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const start = Math.max(0, i - 40);
  const cut = (s: string) => (start > 0 ? "…" : "") + s.slice(start, start + width) + (s.length > start + width ? "…" : "");
  return [cut(a), cut(b)];
}

/** Where two texts first differ: the first line that is not textClose, both sides. */
function textDifference(committed: string, now: string): string {
  const a = committed.split("\n");
  const b = now.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === undefined || b[i] === undefined) {
      return `line ${i + 1}: committed ${a[i] === undefined ? "(no line)" : clip(a[i])}, now ${b[i] === undefined ? "(no line)" : clip(b[i])}`;
    }
    if (!textClose(a[i], b[i])) {
      const [x, y] = around(a[i], b[i]);
      return `line ${i + 1}: committed ${clip(x, 200)}, now ${clip(y, 200)}`;
    }
  }
  return `committed ${clip(committed)}, now ${clip(now)}`;
}

function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

/** Differences of shape between two JSON values: keys, array lengths, kinds of value. */
export function shapeDifferences(a: unknown, b: unknown, path = "$", out: string[] = [], max = 5): string[] {
  if (out.length >= max) return out;
  if (kind(a) !== kind(b)) {
    out.push(`${path}: ${kind(a)} committed, ${kind(b)} now`);
  } else if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) out.push(`${path}: ${a.length} items committed, ${bb.length} now`);
    else a.forEach((x, i) => shapeDifferences(x, bb[i], `${path}[${i}]`, out, max));
  } else if (kind(a) === "object") {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const ka = Object.keys(ao).sort();
    const kb = Object.keys(bo).sort();
    if (ka.join("\u0000") !== kb.join("\u0000")) {
      const gone = ka.filter((k) => !(k in bo));
      const added = kb.filter((k) => !(k in ao));
      out.push(`${path}: keys ${[...gone.map((k) => `-${k}`), ...added.map((k) => `+${k}`)].join(" ")}`);
    } else for (const k of ka) shapeDifferences(ao[k], bo[k], `${path}.${k}`, out, max);
  }
  return out;
}

function describeCell(cell: NotebookCell, index: number): string {
  const first = cell.source.split("\n").find((l) => l.trim()) ?? "";
  return `cell ${index} (${cell.cell_type}${cell.id ? `, id ${cell.id}` : ""}: ${clip(first, 60)})`;
}

function errorText(o: CellOutput): string {
  return `${o.ename}: ${o.evalue}`;
}

function compareOutput(a: CellOutput, b: CellOutput, where: string, out: string[]): void {
  if (a.output_type !== b.output_type) {
    out.push(`${where}: ${a.output_type} committed, ${b.output_type} now`);
    return;
  }
  if (a.output_type === "stream") {
    if (a.name !== b.name) out.push(`${where}: stream ${a.name} committed, ${b.name} now`);
    else if (!textClose(a.text ?? "", b.text ?? "")) out.push(`${where} (${a.name}): ${textDifference(a.text ?? "", b.text ?? "")}`);
    return;
  }
  if (a.output_type === "error") return; // reported for both sides by compareNotebooks
  const da = a.data ?? {};
  const db = b.data ?? {};
  const ka = Object.keys(da).sort();
  const kb = Object.keys(db).sort();
  if (ka.join(" ") !== kb.join(" ")) {
    out.push(`${where}: MIME types ${ka.join(", ")} committed, ${kb.join(", ")} now`);
    return;
  }
  for (const mime of ka) {
    const x = da[mime];
    const y = db[mime];
    if (TEXT_MIME.includes(mime)) {
      if (!textClose(String(x), String(y))) out.push(`${where} ${mime}: ${textDifference(String(x), String(y))}`);
    } else if (IMAGE_MIME.includes(mime)) {
      if (!x || !y) out.push(`${where} ${mime}: ${x ? "empty now" : "empty in the committed file"}`);
    } else if (mime.endsWith("json")) {
      const shape = shapeDifferences(x, y);
      if (shape.length) out.push(`${where} ${mime} payload shape: ${shape.join("; ")}`);
    } else if (x !== y) {
      out.push(`${where} ${mime}: differs`);
    }
  }
}

/** What differs between a committed notebook and the same notebook executed now (empty: it is fresh). */
export function compareNotebooks(committed: Notebook, now: Notebook): string[] {
  const out: string[] = [];
  const ca = committed.cells;
  const cb = now.cells;
  for (const [nb, side] of [[committed, "the committed file"], [now, "the execution now"]] as const) {
    nb.cells.forEach((cell, i) =>
      (cell.outputs ?? []).forEach((o, j) => {
        if (o.output_type === "error") out.push(`${describeCell(cell, i)} output ${j + 1}: an error in ${side}: ${clip(errorText(o))}`);
      }),
    );
  }
  if (ca.length !== cb.length) out.push(`${ca.length} cells committed, ${cb.length} now`);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const a = ca[i];
    const b = cb[i];
    const where = describeCell(a, i);
    if (a.cell_type !== b.cell_type) {
      out.push(`${where}: a ${a.cell_type} cell committed, ${b.cell_type} now`);
      continue;
    }
    if (a.source !== b.source) {
      out.push(`${where}: source ${textDifference(a.source, b.source)}`);
      continue;
    }
    if (a.cell_type !== "code") continue;
    const oa = a.outputs ?? [];
    const ob = b.outputs ?? [];
    if (a.execution_count == null) {
      out.push(`${where}: not executed in the committed file`);
      continue;
    }
    if (oa.length !== ob.length) {
      const list = (os: CellOutput[]) => os.map((o) => o.output_type + (o.name ? `:${o.name}` : "")).join(", ") || "none";
      out.push(`${where}: ${oa.length} outputs committed (${list(oa)}), ${ob.length} now (${list(ob)})`);
      continue;
    }
    oa.forEach((o, j) => compareOutput(o, ob[j], `${where} output ${j + 1}`, out));
  }
  return out;
}

/** The failure message: which notebook, what differs (the first few), and how to refresh it. */
export function staleMessage(file: string, committed: Notebook, now: Notebook, differences: string[], max = 12): string {
  const stem = file.replace(/\.ipynb$/, "");
  const lines = [`notebooks/${file} is stale: executing it now does not give the committed outputs (${differences.length} difference${differences.length === 1 ? "" : "s"}):`];
  lines.push(...differences.slice(0, max).map((d) => `  - ${d}`));
  if (differences.length > max) lines.push(`  … and ${differences.length - max} more`);
  const was = committed.metadata.lukelab?.backend;
  const is = now.metadata.lukelab?.backend;
  if (was && is && was !== is) lines.push(`(committed on the ${was} backend, executed now on ${is}: numbers may differ beyond the tolerance)`);
  lines.push(`Refresh it with \`npm run notebooks -- ${stem}\` (every notebook: \`npm run notebooks\`), look at the diff and commit it.`);
  return lines.join("\n");
}

/**
 * Outputs a reader without the lukelab extension would not see: a MIME type only an extension draws
 * (the attention or Plotly JSON) without an image/png or image/svg+xml and a text/plain next to it, or
 * HTML holding an inline <svg> or a <script> (GitHub strips both) without an image.
 */
export function staticViewProblems(nb: Notebook): string[] {
  const out: string[] = [];
  nb.cells.forEach((cell, i) =>
    (cell.outputs ?? []).forEach((o, j) => {
      if (o.output_type !== "display_data" && o.output_type !== "execute_result") return;
      const keys = Object.keys(o.data ?? {});
      const image = keys.some((k) => k === "image/png" || k === "image/svg+xml");
      const where = `${describeCell(cell, i)} output ${j + 1} (${keys.join(", ")})`;
      const custom = keys.filter((k) => !STATIC_MIME.has(k));
      if (custom.length && !(image && keys.includes("text/plain"))) out.push(`${where}: ${custom.join(", ")} needs an image/png or image/svg+xml and a text/plain beside it`);
      const html = String(o.data?.["text/html"] ?? "");
      if (/<svg|<script/i.test(html) && !image) out.push(`${where}: HTML with an inline <svg> or <script> needs an image/png or image/svg+xml beside it`);
    }),
  );
  return out;
}
