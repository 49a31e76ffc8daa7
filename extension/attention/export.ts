/** "Export" of the view in sight: a PNG at twice the pixel density, or a standalone SVG. */
import { el } from "../dom";
import { imageCanvas, paintScene } from "./canvas";
import type { Painted } from "./pane";
import { sceneToSvg } from "./svg";

export function exportView(painted: Painted, format: "png" | "svg", font: string, title: string, parent: HTMLElement): void {
  const name = `lukelab-attention-${painted.name}.${format}`;
  if (format === "png") {
    const canvas = el("canvas");
    paintScene(canvas, painted.scene(), font, 2);
    canvas.toBlob((blob) => blob && download(blob, name, parent), "image/png");
    return;
  }
  const svg = sceneToSvg(painted.scene(), { fontFamily: font, title, imageHref: (shape) => imageCanvas(shape).toDataURL("image/png") });
  download(new Blob([svg], { type: "image/svg+xml" }), name, parent);
}

function download(blob: Blob, name: string, parent: HTMLElement): void {
  const url = URL.createObjectURL(blob);
  const a = el("a");
  a.href = url;
  a.download = name;
  a.style.display = "none";
  parent.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
