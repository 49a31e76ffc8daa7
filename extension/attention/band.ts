/**
 * A tall canvas in a scroll box (the head view at hundreds of tokens is thousands of pixels tall):
 * only the rows in sight, and a margin above and below, are painted, and the rows coming into sight
 * are painted as the box scrolls or grows, at most once a frame. The canvas keeps the whole scene's size, so
 * a position on it is a position in the scene (hit-testing and the layout tests rely on it). The
 * painting itself is the owner's `draw` (a request to the renderer, renderer.ts, answered now or by
 * the worker): first the rows in sight, then, once they are on the canvas, the margins below and above
 * (each its own request, so that the rows in sight are not painted twice and come sooner).
 */
import type { Band } from "../../kernel/portable/raster";

/** CSS pixels painted beyond the box's edges, so that a short scroll finds them ready. */
const MARGIN = 128;

/** Which part of the painted rows a request is: those in sight, or a margin. */
export type BandPart = "sight" | "below" | "above";
/** The height assumed for a box not laid out yet (the scroll box's max-height in style/index.css). */
const UNLAID = 640;

export class ScrolledCanvas {
  /** The scene's height in CSS pixels (0: nothing to paint yet). */
  private height = 0;
  /** The rows the last paint covered (CSS pixels). */
  private painted: Band | null = null;
  private frame = 0;
  /** Counts paints: a margin is asked for only while its paint is the latest. */
  private generation = 0;

  constructor(
    private readonly box: HTMLElement,
    readonly canvas: HTMLCanvasElement,
    private readonly draw: (band: Band, part: BandPart, done: () => void) => void,
  ) {
    box.addEventListener("scroll", () => this.schedule(), { passive: true });
    // The box's height is only known once the page is laid out, and changes with it (the first paint
    // may come before the output area has its height): a box that grew shows rows to paint.
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(() => this.schedule()).observe(box);
  }

  /**
   * Paints a new scene of `width` × `height` CSS pixels in the rows in sight (and the margin). The
   * canvas takes the scene's size on the page now, before its pixels come, so that the rows in sight
   * are those of the box as it will be.
   */
  paint(width: number, height: number): void {
    this.height = height;
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.paintBand();
  }

  /** The scene's rows in sight in the box (CSS pixels). */
  private sight(): Band {
    const box = this.box.getBoundingClientRect(), c = this.canvas.getBoundingClientRect();
    const height = this.box.clientHeight > 0 ? this.box.clientHeight : UNLAID;
    return { top: Math.max(0, box.top - c.top), height };
  }

  private paintBand(): void {
    if (!this.height) return;
    const s = this.sight(), h = this.height;
    const top = Math.max(0, Math.min(h - 1, Math.floor(s.top))), bottom = Math.max(top + 1, Math.min(h, Math.ceil(s.top + s.height)));
    const above = Math.max(0, top - MARGIN), below = Math.min(h, bottom + MARGIN);
    this.painted = { top: above, height: below - above };
    const generation = ++this.generation;
    this.draw({ top, height: bottom - top }, "sight", () => {
      if (generation !== this.generation) return;
      if (below > bottom) this.draw({ top: bottom, height: below - bottom }, "below", () => undefined);
      if (top > above) this.draw({ top: above, height: top - above }, "above", () => undefined);
    });
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const s = this.sight(), p = this.painted;
      const covered = p && s.top >= p.top && Math.min(s.top + s.height, this.height) <= p.top + p.height;
      if (!covered) this.paintBand();
    });
  }
}
