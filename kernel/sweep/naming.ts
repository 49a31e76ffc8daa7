/**
 * Folder names of sweep runs. The original sweep named a run `robust_<tag>_<value>` with Python's
 * `str()` of the value as written in its Python list (seed-features §1.2): `1e-05` for 1e-5, `1.0`
 * for the float 1.0, `1000` for the int 1000, `True` for a boolean. lukelab keeps those names so
 * folders of both systems line up, which needs the literal as written: a sweep file gives it (YAML
 * and JSON keep `1.0` apart from `1`); a number from a TypeScript object is an int when integral.
 */

/** Python's `repr`/`str` of a float: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  // toExponential() without an argument gives the shortest digits that read back to x, as Python does.
  const [mantissa, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac || "0"}`;
}

const INT_LITERAL = /^[-+]?\d+$/;

/**
 * Python's `str()` of a sweep value. `literal` is the value as written in the sweep file (YAML or
 * JSON source text) when there is one: an integer literal stays an int, any other number literal is
 * a Python float.
 */
export function pythonStr(value: unknown, literal?: string): string {
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") {
    const isInt = literal !== undefined ? INT_LITERAL.test(literal.trim()) : Number.isInteger(value);
    return isInt && Number.isInteger(value) ? String(BigInt(value)) : pythonFloatRepr(value);
  }
  if (value === null || value === undefined) return "None";
  return String(value);
}

/** Characters kept in folder names; anything else becomes "-" (paths, spaces, slashes). */
export function folderSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9._+-]/g, "-");
}

/** `robust_<param>_<value>`: the original's one-at-a-time folder name. */
export function oneAtATimeName(prefix: string, param: string, valueText: string): string {
  return folderSafe(`${prefix}_${param}_${valueText}`);
}

/** `grid_<p1>_<v1>__<p2>_<v2>`: a grid point; "__" separates parameters, whose names hold "_". */
export function gridName(prefix: string, point: readonly { param: string; text: string }[]): string {
  return folderSafe(`${prefix}_${point.map((p) => `${p.param}_${p.text}`).join("__")}`);
}
