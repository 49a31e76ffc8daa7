/**
 * A scene as a standalone SVG document (the "Export SVG" button). Pure: token strings become escaped
 * character data, never markup; images come in through a callback (the browser turns pixels into a
 * PNG data URL with a canvas).
 */
import { hex } from "../../kernel/portable/colours";
import { type Scene, type Shape } from "../../kernel/portable/scene";

export function escapeXml(text: string): string {
  // Characters XML 1.0 forbids are dropped; the five special ones become entities.
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const num = (v: number) => (Math.round(v * 100) / 100).toString();

export interface SvgOptions {
  fontFamily?: string;
  /** A URL (normally a data: URL) for an image shape; images are left out without it. */
  imageHref?: (shape: Extract<Shape, { kind: "image" }>) => string;
  title?: string;
}

export function sceneToSvg(scene: Scene, options: SvgOptions = {}): string {
  const font = escapeXml(options.fontFamily ?? "sans-serif");
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(scene.width)}" height="${num(scene.height)}" viewBox="0 0 ${num(scene.width)} ${num(scene.height)}" font-family="${font}">`,
  );
  if (options.title) out.push(`<title>${escapeXml(options.title)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="${hex(scene.background)}"/>`);
  for (const s of scene.shapes) {
    switch (s.kind) {
      case "rect": {
        const fill = s.fill ? `fill="${hex(s.fill)}"` : `fill="none"`;
        const stroke = s.stroke ? ` stroke="${hex(s.stroke)}" stroke-width="${num(s.lineWidth ?? 1)}"` : "";
        const op = s.alpha !== undefined && s.alpha < 1 ? ` opacity="${num(s.alpha)}"` : "";
        out.push(`<rect x="${num(s.x)}" y="${num(s.y)}" width="${num(s.w)}" height="${num(s.h)}" ${fill}${stroke}${op}/>`);
        break;
      }
      case "lines": {
        let d = "";
        for (let i = 0; i + 3 < s.xy.length; i += 4) d += `M${num(s.xy[i])} ${num(s.xy[i + 1])}L${num(s.xy[i + 2])} ${num(s.xy[i + 3])}`;
        out.push(`<path d="${d}" stroke="${hex(s.colour)}" stroke-opacity="${num(s.alpha)}" stroke-width="${num(s.width)}" fill="none"/>`);
        break;
      }
      case "segments":
        for (let i = 0, j = 0; i + 3 < s.xy.length; i += 4, j += 4) {
          const c = hex([s.rgba[j], s.rgba[j + 1], s.rgba[j + 2]]);
          out.push(`<line x1="${num(s.xy[i])}" y1="${num(s.xy[i + 1])}" x2="${num(s.xy[i + 2])}" y2="${num(s.xy[i + 3])}" stroke="${c}" stroke-opacity="${num(s.rgba[j + 3] / 255)}" stroke-width="${num(s.width)}"/>`);
        }
        break;
      case "polyline": {
        const pts: string[] = [];
        for (let i = 0; i + 1 < s.xy.length; i += 2) pts.push(`${num(s.xy[i])},${num(s.xy[i + 1])}`);
        out.push(`<polyline points="${pts.join(" ")}" stroke="${hex(s.colour)}" stroke-opacity="${num(s.alpha)}" stroke-width="${num(s.width)}" fill="none"/>`);
        break;
      }
      case "dots":
        for (let i = 0; i + 1 < s.xy.length; i += 2) {
          out.push(`<circle cx="${num(s.xy[i])}" cy="${num(s.xy[i + 1])}" r="${num(s.r)}" fill="${hex(s.colour)}" fill-opacity="${num(s.alpha)}"/>`);
        }
        break;
      case "text": {
        const anchor = s.align === "left" ? "start" : s.align === "right" ? "end" : "middle";
        const style = (s.bold ? ` font-weight="bold"` : "") + (s.italic ? ` font-style="italic"` : "") + (s.mono ? ` font-family="monospace"` : "");
        out.push(
          `<text x="${num(s.x)}" y="${num(s.y)}" font-size="${num(s.size)}" text-anchor="${anchor}" dominant-baseline="central" fill="${hex(s.colour)}"${style} xml:space="preserve">${escapeXml(s.text)}</text>`,
        );
        break;
      }
      case "image":
        if (options.imageHref) {
          out.push(
            `<image x="${num(s.x)}" y="${num(s.y)}" width="${num(s.w)}" height="${num(s.h)}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${escapeXml(options.imageHref(s))}"/>`,
          );
        }
        break;
    }
  }
  out.push("</svg>");
  return out.join("\n");
}
