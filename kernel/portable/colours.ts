/**
 * Colours of the attention views: sRGB triples, CSS colour parsing, CIELAB distances, one colour per
 * head, the weight ramp, and the light and dark themes (with the reader that maps JupyterLab's CSS
 * variables onto them, given a getter, so it runs without a DOM).
 */

export type Rgb = readonly [number, number, number];

export interface Theme {
  background: Rgb;
  text: Rgb;
  muted: Rgb;
  /** Fill behind entity tokens. */
  entityFill: Rgb;
  entityText: Rgb;
  /** Fill behind the token in focus. */
  focusFill: Rgb;
  grid: Rgb;
  accent: Rgb;
}

/** WCAG 2's minimum contrast for text (AA, normal size). */
export const MIN_CONTRAST = 4.5;
/** How opaque the entity rows' fill is drawn over the background. */
export const ENTITY_FILL_ALPHA = 0.6;

// JupyterLab's own light and dark values, for when a CSS variable is missing or unreadable (made
// legible: every text colour reaches MIN_CONTRAST on every fill it is drawn on).
export const LIGHT_THEME: Theme = legibleTheme({
  background: [255, 255, 255], text: [33, 33, 33], muted: [158, 158, 158], entityFill: [255, 236, 179],
  entityText: [121, 64, 0], focusFill: [227, 242, 253], grid: [224, 224, 224], accent: [25, 118, 210],
});

export const DARK_THEME: Theme = legibleTheme({
  background: [17, 17, 17], text: [230, 230, 230], muted: [117, 117, 117], entityFill: [93, 64, 0],
  entityText: [255, 213, 79], focusFill: [21, 57, 94], grid: [58, 58, 58], accent: [100, 181, 246],
});

/** WCAG 2 relative luminance of an sRGB colour. */
export function luminance(c: Rgb): number {
  const lin = c.map((v) => {
    const s = Math.max(0, Math.min(255, v)) / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}

/** WCAG 2 contrast ratio of two colours, 1 to 21. */
export function contrast(a: Rgb, b: Rgb): number {
  const la = luminance(a), lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/**
 * `colour`, moved as little as needed toward black or white (whichever reaches further) until it has
 * at least `min` contrast with every one of `backgrounds`; unchanged when it already has. Hue is kept
 * as far as the mix allows, so a head's colour stays recognisable.
 */
export function readableOn(colour: Rgb, backgrounds: readonly Rgb[], min = MIN_CONTRAST): Rgb {
  const worst = (c: Rgb) => Math.min(...backgrounds.map((b) => contrast(c, b)));
  if (worst(colour) >= min) return colour;
  let best: Rgb | null = null;
  for (const end of [[0, 0, 0], [255, 255, 255]] as Rgb[]) {
    if (worst(end) < min) continue;
    let lo = 0, hi = 1;
    for (let i = 0; i < 20; i++) {
      const t = (lo + hi) / 2;
      if (worst(mix(colour, end, t)) >= min) hi = t;
      else lo = t;
    }
    const c = mix(colour, end, hi).map((v) => (end[0] === 0 ? Math.floor(v) : Math.ceil(v))) as unknown as Rgb;
    if (!best || deltaE(c, colour) < deltaE(best, colour)) best = c;
  }
  // Neither end reaches `min` against all of them: the end with the most contrast.
  return best ?? ([[0, 0, 0], [255, 255, 255]] as Rgb[]).reduce((a, b) => (worst(a) >= worst(b) ? a : b));
}

/** The fills text is drawn on in the views: the background, the focus row and the entity rows. */
export function textGrounds(theme: Theme): Rgb[] {
  const entity = mix(theme.background, theme.entityFill, ENTITY_FILL_ALPHA);
  return [theme.background, theme.focusFill, entity];
}

/** A theme whose text colours (text, muted, entity text) reach MIN_CONTRAST on every fill they are drawn on. */
export function legibleTheme(theme: Theme): Theme {
  const grounds = textGrounds(theme);
  return { ...theme, text: readableOn(theme.text, grounds), muted: readableOn(theme.muted, grounds), entityText: readableOn(theme.entityText, grounds) };
}

/** The JupyterLab CSS variables the attention views follow. */
export const ATTENTION_THEME_VARIABLES = ["--jp-layout-color0", "--jp-ui-font-color1", "--jp-ui-font-color3", "--jp-border-color2", "--jp-brand-color1"] as const;
export type AttentionThemeVariable = (typeof ATTENTION_THEME_VARIABLES)[number];

/**
 * The theme from JupyterLab's CSS variables (`read` returns a variable's value, "" when unset); `dark`
 * picks the built-in theme that fills in whatever is missing or unreadable.
 */
export function themeFromVariables(read: (name: AttentionThemeVariable) => string, dark: boolean): Theme {
  const base = dark ? DARK_THEME : LIGHT_THEME;
  const background = parseColour(read("--jp-layout-color0")) ?? base.background;
  // JupyterLab's font colours are translucent black or white: blend them over the background.
  const v = (name: AttentionThemeVariable) => parseColour(read(name), background);
  return legibleTheme({
    ...base,
    background,
    text: v("--jp-ui-font-color1") ?? base.text,
    muted: v("--jp-ui-font-color3") ?? base.muted,
    grid: v("--jp-border-color2") ?? base.grid,
    accent: v("--jp-brand-color1") ?? base.accent,
  });
}

export function hex(c: Rgb): string {
  return "#" + c.map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
}

/** A CSS colour (#rgb, #rrggbb, rgb(), rgba()); a translucent one is blended over `over` when given. */
export function parseColour(text: string, over?: Rgb): Rgb | null {
  const s = text.trim();
  let m = /^#([0-9a-f]{3})$/i.exec(s);
  if (m) return [0, 1, 2].map((i) => parseInt(m![1][i] + m![1][i], 16)) as unknown as Rgb;
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(s);
  if (m) return [0, 2, 4].map((i) => parseInt(m![1].slice(i, i + 2), 16)) as unknown as Rgb;
  m = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?/i.exec(s);
  if (m) {
    const rgb: Rgb = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (m[4] === undefined || !over) return rgb;
    const a = m[4].endsWith("%") ? Number(m[4].slice(0, -1)) / 100 : Number(m[4]);
    return mix(over, rgb, Math.max(0, Math.min(1, a)));
  }
  return null;
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** CIE L*a*b* (D65) of an sRGB colour. */
export function toLab(c: Rgb): [number, number, number] {
  const lin = c.map((v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047;
  const y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  const z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** CIE76 colour difference. */
export function deltaE(a: Rgb, b: Rgb): number {
  const p = toLab(a), q = toLab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

let palette: Rgb[] = [];
let candidates: { rgb: Rgb; lab: [number, number, number] }[] | null = null;

/**
 * One colour per head, as far apart as possible: farthest-point sampling in CIELAB over sRGB colours of
 * medium lightness (readable on light and dark backgrounds) and clear chroma. Head 0 is the blue
 * nearest #1f77b4; each next head is the candidate farthest from all earlier ones, so the first k
 * colours are the same whatever the number of heads. BertViz's category10 repeats after 10 heads.
 */
export function headColours(count: number): Rgb[] {
  if (palette.length < count) {
    if (!candidates) {
      candidates = [];
      for (let r = 0; r <= 255; r += 17)
        for (let g = 0; g <= 255; g += 17)
          for (let b = 0; b <= 255; b += 17) {
            const lab = toLab([r, g, b]);
            if (lab[0] >= 45 && lab[0] <= 72 && Math.hypot(lab[1], lab[2]) >= 35 && Math.hypot(lab[1], lab[2]) <= 75) candidates.push({ rgb: [r, g, b], lab });
          }
    }
    const c = candidates;
    const d2 = (i: number, lab: readonly number[]) => (c[i].lab[0] - lab[0]) ** 2 + (c[i].lab[1] - lab[1]) ** 2 + (c[i].lab[2] - lab[2]) ** 2;
    const seed = toLab([31, 119, 180]);
    const chosen: number[] = [];
    let best = 0;
    for (let i = 1; i < c.length; i++) if (d2(i, seed) < d2(best, seed)) best = i;
    chosen.push(best);
    const nearest = c.map((_, i) => d2(i, c[best].lab));
    while (chosen.length < Math.max(count, 16)) {
      let far = 0;
      for (let i = 1; i < c.length; i++) if (nearest[i] > nearest[far]) far = i;
      chosen.push(far);
      for (let i = 0; i < c.length; i++) nearest[i] = Math.min(nearest[i], d2(i, c[far].lab));
    }
    palette = chosen.map((i) => c[i].rgb);
  }
  return palette.slice(0, count);
}

/** A perceptual ramp from the background to `colour` for a weight in [0, 1] (square root: small weights show). */
export function weightColour(background: Rgb, colour: Rgb, w: number): Rgb {
  return mix(background, colour, Math.sqrt(Math.min(1, Math.max(0, w))));
}
