/**
 * A YAML file (JSON is YAML too) parsed with its source positions, so that a checker can name
 * file:line:column for a key or value it refuses: what sweep files and bias probes share.
 *
 *   const doc = parseYamlWithPositions(text, path, (m) => new SweepDefinitionError(m));
 *   doc.value                         // the document as plain JavaScript
 *   doc.locate(["runs", 0, "seed"])   // "sweep.yaml:7:11": the value, or the deepest part of the path there is
 *   doc.locate(["runs", 0, "sed"], "key") // the key itself where it exists
 *   doc.node(["values", 2])           // the YAML node, to read a scalar's literal source ("1.0")
 *
 * Loaded only by the commands that read YAML: the yaml package stays off every other command's start.
 */
import { LineCounter, isMap, isScalar, parseDocument } from "yaml";

/** A node of the document with its [start, value end, node end] offsets. */
export type PositionedNode = { range?: [number, number, number] };

export interface YamlWithPositions {
  /** The document as plain JavaScript (doc.toJS()). */
  value: unknown;
  /**
   * file:line:column of the node at `path` (with at = "key", of its key where that exists), else of the
   * deepest node on the path that exists (a missing key points at its parent); the file alone if none.
   */
  locate(path: readonly (string | number)[], at?: "key" | "value"): string;
  /** The deepest node on the path that has a position, and whether it is the node at `path` itself. */
  node(path: readonly (string | number)[]): { node: PositionedNode; exact: boolean } | undefined;
}

/**
 * Parses `text` (the content of `path`; duplicate keys are an error). A syntax error is thrown as
 * `makeError("path:line:column: is not valid YAML (…)")`.
 */
export function parseYamlWithPositions(text: string, path: string, makeError: (message: string) => Error): YamlWithPositions {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    throw makeError(`${path}${pos ? `:${pos.line}:${pos.col}` : ""}: is not valid YAML (${e.message.split("\n")[0]})`);
  }
  const at = (offset: number) => {
    const pos = lines.linePos(offset);
    return `${path}:${pos.line}:${pos.col}`;
  };
  const node = (p: readonly (string | number)[]) => {
    for (let n = p.length; n >= 0; n--) {
      const found = doc.getIn(p.slice(0, n), true) as PositionedNode | null | undefined;
      if (found && typeof found === "object" && found.range) return { node: found, exact: n === p.length };
    }
    return undefined;
  };
  return {
    value: doc.toJS(),
    node,
    locate: (p, kind) => {
      const last = p[p.length - 1];
      if (kind === "key" && typeof last === "string") {
        const parent = doc.getIn(p.slice(0, -1), true);
        if (isMap(parent)) {
          const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
          const range = (pair?.key as PositionedNode | undefined)?.range;
          if (range) return at(range[0]);
        }
      }
      const found = node(p);
      return found ? at(found.node.range![0]) : path;
    },
  };
}
