/**
 * JupyterLab's theme as the renderers see it: its CSS variables in effect at a node, and whether the
 * theme is dark. The one place the extension reads them; the pure mappings onto each view's colours
 * are kernel/portable/colours.ts (attention) and ./plotly/theme.ts (Plotly layouts).
 */

export interface JupyterTheme {
  /** A CSS variable's value at the node ("" when unset). */
  read(name: string): string;
  /** body's data-jp-theme-light is "false". */
  dark: boolean;
  /** --jp-ui-font-family, or sans-serif. */
  font: string;
}

export function readJupyterTheme(node: HTMLElement): JupyterTheme {
  const style = getComputedStyle(node);
  const read = (name: string) => style.getPropertyValue(name);
  return { read, dark: document.body.dataset.jpThemeLight === "false", font: read("--jp-ui-font-family").trim() || "sans-serif" };
}

/** Calls `onChange` whenever JupyterLab switches theme; returns the function that stops watching. */
export function watchTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });
  return () => observer.disconnect();
}
