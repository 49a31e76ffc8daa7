/**
 * The state of the attention widget and the pure transitions the controls make on it. The widget keeps
 * one ViewState and redraws from it; everything here is tested in Node.
 */
import type { TokenRef } from "../../kernel/portable/head-view";
import { ALL_LINKS, type Block, type LinkFilter, type Pair } from "../../kernel/portable/links";

export type ViewName = "head" | "model" | "token";
export const VIEWS: { id: ViewName; label: string }[] = [
  { id: "head", label: "Head view" },
  { id: "model", label: "Model view" },
  { id: "token", label: "Token to token" },
];

export interface ViewState {
  view: ViewName;
  /** Position in the payload's layers. */
  layer: number;
  activeHeads: boolean[];
  filter: LinkFilter;
  /** Hovered or keyboard-selected token of the head view. */
  focus: TokenRef | null;
  /** A clicked token stays in focus until clicked again or Escape. */
  pinned: boolean;
  /** The model view's opened thumbnail. */
  detail: { layer: number; head: number } | null;
  /** Focus inside the model view's detail panel. */
  detailFocus: TokenRef | null;
  /** Token-to-token view: from token1 (query) to token2 (key). */
  token1: number;
  token2: number;
  /** Which of the two a click on a token sets next. */
  nextPick: 1 | 2;
}

export function initialState(layers: number, heads: number, tokens: number): ViewState {
  return {
    view: "head",
    layer: 0,
    activeHeads: Array.from({ length: heads }, () => true),
    filter: { blocks: { ...ALL_LINKS.blocks }, pair: "all" },
    focus: null,
    pinned: false,
    detail: null,
    detailFocus: null,
    token1: 0,
    token2: Math.min(1, tokens - 1),
    nextPick: 1,
  };
}

/** Click on a head: toggle it, except that the last active head stays on (as BertViz does). */
export function toggleHead(s: ViewState, head: number): ViewState {
  const active = s.activeHeads.slice();
  if (active[head] && active.filter(Boolean).length === 1) return s;
  active[head] = !active[head];
  return { ...s, activeHeads: active };
}

/** Double-click: show only this head; on the head that is already alone, show all heads again. */
export function soloHead(s: ViewState, head: number): ViewState {
  const alone = s.activeHeads[head] && s.activeHeads.filter(Boolean).length === 1;
  return { ...s, activeHeads: s.activeHeads.map((_, h) => alone || h === head) };
}

export function allHeads(s: ViewState): ViewState {
  return { ...s, activeHeads: s.activeHeads.map(() => true) };
}

export function setLayer(s: ViewState, layer: number, layers: number): ViewState {
  return { ...s, layer: Math.max(0, Math.min(layers - 1, layer)), detailFocus: null };
}

export function setBlock(s: ViewState, block: Block, on: boolean): ViewState {
  return { ...s, filter: { ...s.filter, blocks: { ...s.filter.blocks, [block]: on } } };
}

export function setPair(s: ViewState, pair: Pair): ViewState {
  return { ...s, filter: { ...s.filter, pair } };
}

/** Pointer over a token (or off all tokens: null); a pinned focus ignores hovering. */
export function hover(s: ViewState, token: TokenRef | null): ViewState {
  if (s.pinned) return s;
  if (sameToken(s.focus, token)) return s;
  return { ...s, focus: token };
}

/** Click on a token: pin it; click on the pinned token (or outside) unpins. */
export function clickToken(s: ViewState, token: TokenRef | null): ViewState {
  if (!token || (s.pinned && sameToken(s.focus, token))) return { ...s, pinned: false, focus: token };
  return { ...s, pinned: true, focus: token };
}

export function sameToken(a: TokenRef | null, b: TokenRef | null): boolean {
  return a === b || (!!a && !!b && a.side === b.side && a.index === b.index);
}

/**
 * Keyboard on a head view: arrows move the focus (up/down along a column, left/right across), Home/End
 * jump, Escape clears. Returns the state unchanged for other keys.
 */
export function keyFocus(focus: TokenRef | null, key: string, tokens: number): TokenRef | null | undefined {
  const f = focus ?? { side: "left" as const, index: -1 };
  switch (key) {
    case "ArrowDown":
      return { side: f.side, index: Math.min(tokens - 1, f.index + 1) };
    case "ArrowUp":
      return { side: f.side, index: Math.max(0, f.index - 1) };
    case "ArrowLeft":
      return { side: "left", index: Math.max(0, f.index) };
    case "ArrowRight":
      return { side: "right", index: Math.max(0, f.index) };
    case "Home":
      return { side: f.side, index: 0 };
    case "End":
      return { side: f.side, index: tokens - 1 };
    case "Escape":
      return null;
    default:
      return undefined;
  }
}

/** Model view: open a thumbnail (the same one again closes it). */
export function openDetail(s: ViewState, cell: { layer: number; head: number } | null): ViewState {
  if (!cell || (s.detail && s.detail.layer === cell.layer && s.detail.head === cell.head)) return { ...s, detail: null, detailFocus: null };
  return { ...s, detail: cell, detailFocus: null };
}

/** Model view keyboard: arrows move the opened thumbnail. */
export function keyDetail(detail: { layer: number; head: number } | null, key: string, layers: number, heads: number): { layer: number; head: number } | null | undefined {
  const d = detail ?? { layer: 0, head: 0 };
  switch (key) {
    case "ArrowDown":
      return { layer: Math.min(layers - 1, detail ? d.layer + 1 : 0), head: d.head };
    case "ArrowUp":
      return { layer: Math.max(0, d.layer - 1), head: d.head };
    case "ArrowRight":
      return { layer: d.layer, head: Math.min(heads - 1, detail ? d.head + 1 : 0) };
    case "ArrowLeft":
      return { layer: d.layer, head: Math.max(0, d.head - 1) };
    case "Escape":
      return null;
    default:
      return undefined;
  }
}

/** Token-to-token view: a click on a token sets token 1, the next sets token 2, and so on. */
export function pickToken(s: ViewState, index: number): ViewState {
  return s.nextPick === 1 ? { ...s, token1: index, nextPick: 2 } : { ...s, token2: index, nextPick: 1 };
}
