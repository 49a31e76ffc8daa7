/**
 * JupyterLab's theme as Plotly layout settings. The widget reads JupyterLab's CSS variables (through a
 * getter, so this file needs no DOM and is tested in Node) and lays the theme under the figure's own
 * layout: anything the payload sets itself wins, everything it leaves out follows the theme, and a
 * theme switch only replaces what the theme supplied.
 */

/** The CSS variables a figure follows. */
export const THEME_VARIABLES = [
  "--jp-layout-color0",
  "--jp-layout-color1",
  "--jp-ui-font-color0",
  "--jp-ui-font-color1",
  "--jp-ui-font-color2",
  "--jp-border-color1",
  "--jp-border-color2",
  "--jp-ui-font-family",
] as const;
export type ThemeVariable = (typeof THEME_VARIABLES)[number];

export interface PlotTheme {
  dark: boolean;
  /** Behind the whole figure (layout.paper_bgcolor): the output area's background. */
  paper: string;
  /** Behind the axes (layout.plot_bgcolor). */
  plot: string;
  /** Tick labels, legend, hover text. */
  text: string;
  /** Titles. */
  title: string;
  /** Quiet text: the mode bar's icons. */
  muted: string;
  grid: string;
  /** Axis lines, ticks and the zero line. */
  line: string;
  font: string;
}

// JupyterLab's own values (light: theme-light-extension, dark: theme-dark-extension), for when a
// variable is missing or holds something Plotly cannot parse.
export const LIGHT_PLOT_THEME: PlotTheme = {
  dark: false,
  paper: "#ffffff",
  plot: "#ffffff",
  text: "rgba(0, 0, 0, 0.87)",
  title: "rgba(0, 0, 0, 1)",
  muted: "rgba(0, 0, 0, 0.54)",
  grid: "#e0e0e0",
  line: "#bdbdbd",
  font: "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif",
};

export const DARK_PLOT_THEME: PlotTheme = {
  dark: true,
  paper: "#111111",
  plot: "#212121",
  text: "rgba(255, 255, 255, 0.87)",
  title: "rgba(255, 255, 255, 1)",
  muted: "rgba(255, 255, 255, 0.54)",
  grid: "#424242",
  line: "#616161",
  font: LIGHT_PLOT_THEME.font,
};

/**
 * A CSS colour Plotly understands (hex, rgb[a](), hsl[a](), a name), trimmed; null for anything else
 * (empty, var(), color-mix(), …), so a theme that uses newer CSS falls back instead of drawing black.
 */
export function cssColour(value: string | undefined): string | null {
  const v = (value ?? "").trim();
  if (/^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(v)) return v;
  if (/^(?:rgba?|hsla?)\([\d\s.,%/+-]+\)$/i.test(v)) return v;
  if (/^[a-z]+$/i.test(v) && v.toLowerCase() !== "inherit" && v.toLowerCase() !== "initial") return v;
  return null;
}

/** The theme from JupyterLab's variables; `dark` is body's data-jp-theme-light === "false". */
export function plotThemeFromVariables(read: (name: ThemeVariable) => string, dark: boolean): PlotTheme {
  const base = dark ? DARK_PLOT_THEME : LIGHT_PLOT_THEME;
  const colour = (name: ThemeVariable, fallback: string) => cssColour(read(name)) ?? fallback;
  const font = read("--jp-ui-font-family").trim();
  return {
    dark,
    paper: colour("--jp-layout-color0", base.paper),
    plot: colour("--jp-layout-color1", base.plot),
    text: colour("--jp-ui-font-color1", base.text),
    title: colour("--jp-ui-font-color0", base.title),
    muted: colour("--jp-ui-font-color2", base.muted),
    grid: colour("--jp-border-color2", base.grid),
    line: colour("--jp-border-color1", base.line),
    font: font && !font.includes("var(") ? font : base.font,
  };
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** `over` laid on `under`: objects merge key by key, anything else in `over` replaces. New objects only. */
export function mergeUnder(under: Obj, over: Obj): Obj {
  const out: Obj = { ...under };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isObject(v) && isObject(out[k]) ? mergeUnder(out[k] as Obj, v) : v;
  }
  return out;
}

/** Plotly 3 and later take titles as {text}; a bare string (older figures) is moved there. */
function titleObject(v: unknown): unknown {
  return typeof v === "string" ? { text: v } : v;
}

/** Cartesian axes in a layout (xaxis, yaxis, xaxis2, …), plus xaxis and yaxis, which every 2-D figure has. */
export function axisKeys(layout: Obj): string[] {
  const keys = new Set(["xaxis", "yaxis"]);
  for (const k of Object.keys(layout)) if (/^[xy]axis\d*$/.test(k)) keys.add(k);
  return [...keys];
}

/**
 * The layout Plotly draws: the theme's settings under the payload's layout. The payload's layout is
 * not changed (it belongs to the notebook model).
 */
export function themedLayout(layout: Obj | undefined, theme: PlotTheme): Obj {
  const own: Obj = { ...(layout ?? {}) };
  if ("title" in own) own.title = titleObject(own.title);
  const axis: Obj = {
    gridcolor: theme.grid,
    linecolor: theme.line,
    zerolinecolor: theme.line,
    tickcolor: theme.line,
  };
  const base: Obj = {
    paper_bgcolor: theme.paper,
    plot_bgcolor: theme.plot,
    font: { family: theme.font, color: theme.text },
    title: { font: { color: theme.title } },
    hoverlabel: { font: { family: theme.font } },
    modebar: { bgcolor: "rgba(0, 0, 0, 0)", color: theme.muted, activecolor: theme.title },
  };
  for (const key of axisKeys(own)) {
    base[key] = axis;
    if (isObject(own[key]) && "title" in (own[key] as Obj)) own[key] = { ...(own[key] as Obj), title: titleObject((own[key] as Obj).title) };
  }
  return mergeUnder(base, own);
}
