/** The token-to-token pane: two token pickers, the token strip, and the plot of one pair over layers and heads. */
import type { Attention } from "../../kernel/portable/attention-payload";
import { tokenTitles } from "../../kernel/portable/tokens";
import { pairLayout, pairScene, pairTitle } from "../../kernel/portable/token-view";
import { el } from "../dom";
import { paintScene } from "./canvas";
import type { Host, Painted, Pane, ViewContext } from "./pane";
import * as S from "./state";

export class TokenPane implements Pane {
  readonly node = el("div", "lukelab-attention-pane");
  private readonly token1: HTMLSelectElement;
  private readonly token2: HTMLSelectElement;
  private readonly strip: HTMLButtonElement[];
  private readonly hint = el("span", "lukelab-attention-hint");
  private readonly canvas = el("canvas", "lukelab-attention-canvas");

  constructor(host: Host, att: Attention, labels: readonly string[]) {
    const pick = el("div", "lukelab-attention-pick");
    this.token1 = tokenSelect(host, labels, "Token 1 (query)", "token1", (i) => host.apply({ ...host.state, token1: i }));
    this.token2 = tokenSelect(host, labels, "Token 2 (key)", "token2", (i) => host.apply({ ...host.state, token2: i }));
    const titles = tokenTitles(att);
    for (const select of [this.token1, this.token2]) select.querySelectorAll("option").forEach((o, i) => (o.title = titles[i]));
    pick.append(this.token1.parentElement!, el("span", undefined, " → "), this.token2.parentElement!, this.hint);
    const strip = el("div", "lukelab-attention-strip");
    strip.setAttribute("aria-label", "Tokens: a click sets token 1, the next click token 2");
    this.strip = labels.map((label, i) => {
      const entity = i >= att.numWords;
      const b = el("button", entity ? "lukelab-attention-token lukelab-attention-entity" : "lukelab-attention-token", label);
      b.type = "button";
      b.dataset.token = String(i);
      b.title = titles[i];
      b.addEventListener("click", host.guard(() => host.apply(S.pickToken(host.state, i))));
      strip.append(b);
      return b;
    });
    const wrap = el("div", "lukelab-attention-scroll");
    this.canvas.dataset.role = "token-view";
    this.canvas.setAttribute("role", "img");
    wrap.append(this.canvas);
    this.node.append(pick, strip, wrap);
  }

  sync(s: S.ViewState): void {
    this.token1.value = String(s.token1);
    this.token2.value = String(s.token2);
    this.strip.forEach((b, i) => {
      b.classList.toggle("lukelab-attention-token1", i === s.token1);
      b.classList.toggle("lukelab-attention-token2", i === s.token2);
      b.setAttribute("aria-pressed", String(i === s.token1 || i === s.token2));
    });
    this.hint.textContent = `A click on a token sets token ${s.nextPick}.`;
  }

  paint(s: S.ViewState, ctx: ViewContext): Painted {
    const scene = pairScene(ctx.att, s.token1, s.token2, ctx.labels, ctx.theme, pairLayout(ctx.att.layers.length, ctx.att.heads, ctx.measure(pairTitle(ctx.labels, s.token1, s.token2), 12) * 1.1, (ctx.width() || 900) - 24));
    paintScene(this.canvas, scene, ctx.font);
    return { scene: () => scene, name: `token-${s.token1}-to-${s.token2}`, notice: "" };
  }
}

function tokenSelect(host: Host, labels: readonly string[], label: string, role: string, onPick: (i: number) => void): HTMLSelectElement {
  const wrap = el("label", "lukelab-attention-field", label + " ");
  const select = el("select");
  select.setAttribute("aria-label", label);
  select.dataset.role = role;
  labels.forEach((l, i) => {
    const o = el("option", undefined, `${i}: ${l}`);
    o.value = String(i);
    select.append(o);
  });
  select.addEventListener("change", host.guard(() => onPick(Number(select.value))));
  wrap.append(select);
  return select;
}
