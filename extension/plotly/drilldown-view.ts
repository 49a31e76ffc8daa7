/**
 * The examples under a confusion-matrix heatmap: a cell picker (so the list is reachable without a
 * mouse) and the list of one cell's examples, each sentence with its mention marked, the gold and
 * predicted labels (correct ones marked), and the top probabilities. The list is focusable; Escape or
 * Clear empties it; long lists grow by "show more". What to show comes from ./drilldown; every string
 * from the payload reaches the page through textContent.
 */
import type { FigureDrillDown, FigureExample, PlotlyPayload } from "../../kernel/portable/plotly-payload";
import { el } from "../dom";
import * as D from "./drilldown";

export class DrillDownPanel {
  readonly node = el("div", "lukelab-plotly-drilldown");
  private selection: D.DrillSelection | null = null;
  private readonly picker = el("select", "lukelab-plotly-picker");
  private readonly list = el("section", "lukelab-plotly-drill");
  private readonly title = el("strong", "lukelab-plotly-drill-title");
  private readonly count = el("span", "lukelab-plotly-drill-count");
  private readonly items = el("ol", "lukelab-plotly-examples");
  private readonly more = el("button", "lukelab-plotly-button lukelab-plotly-more");

  constructor(
    private readonly payload: PlotlyPayload,
    private readonly drill: FigureDrillDown,
  ) {
    const pick = el("label", "lukelab-plotly-pick", "Click a cell to list its examples, or choose one: ");
    this.picker.setAttribute("aria-label", "Cell whose examples to list");
    this.picker.append(new Option("—", ""));
    for (const c of D.drillCells(payload, drill)) this.picker.append(new Option(`${c.title} (${c.count})`, D.cellKey(c.cell)));
    this.picker.addEventListener("change", () => {
      if (!this.picker.value) return this.clear();
      const [row, col] = this.picker.value.split(",").map(Number);
      this.show({ row, col }, false);
    });
    pick.append(this.picker);

    this.list.tabIndex = 0;
    this.list.hidden = true;
    this.list.setAttribute("aria-label", "Examples in the selected cell; Escape clears");
    this.list.dataset.role = "examples";
    this.list.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      e.preventDefault();
      e.stopPropagation();
      this.clear();
      this.picker.focus();
    });
    const head = el("div", "lukelab-plotly-drill-head");
    this.count.setAttribute("aria-live", "polite");
    const clear = el("button", "lukelab-plotly-button", "Clear");
    clear.type = "button";
    clear.dataset.role = "clear";
    clear.title = "Clear the list (Escape)";
    clear.addEventListener("click", () => {
      this.clear();
      this.picker.focus();
    });
    head.append(this.title, this.count, clear);
    this.more.type = "button";
    this.more.dataset.role = "more";
    this.more.addEventListener("click", () => this.selection && this.render(D.showMore(this.selection), true));
    this.list.append(head, this.items, this.more);
    this.node.append(pick, this.list);
  }

  /** Lists a cell's examples; `focus` moves focus to the list (after a click, so Escape works at once). */
  show(cell: D.CellRef, focus = true): void {
    this.picker.value = D.cellKey(cell);
    if (this.picker.value !== D.cellKey(cell)) this.picker.value = "";
    this.render(D.selectCell(this.payload, this.drill, cell));
    if (focus) this.list.focus({ preventScroll: true });
  }

  clear(): void {
    this.selection = null;
    this.picker.value = "";
    this.items.textContent = "";
    this.list.hidden = true;
  }

  /** Draws a selection; `append` adds only the examples past those already listed ("show more"). */
  private render(s: D.DrillSelection, append = false): void {
    const before = append && this.selection ? this.selection.shown : 0;
    this.selection = s;
    this.list.hidden = false;
    this.list.dataset.cell = D.cellKey(s.cell);
    this.title.textContent = s.title;
    this.count.textContent = D.countText(s);
    if (!append) this.items.textContent = "";
    D.visibleExamples(s).slice(before).forEach((ex) => this.items.append(exampleItem(ex)));
    const left = s.examples.length - s.shown;
    this.more.hidden = left <= 0;
    this.more.textContent = `Show ${Math.min(left, D.PAGE_SIZE)} more`;
  }
}

function exampleItem(ex: FigureExample): HTMLLIElement {
  const li = el("li", "lukelab-plotly-example");
  const sentence = el("div", "lukelab-plotly-sentence");
  const parts = D.mentionParts(ex.text, ex.start, ex.end);
  const mark = el("mark", "lukelab-plotly-mention", parts.mention);
  sentence.append(parts.before, mark, parts.after);
  if (parts.clamped) sentence.append(el("span", "lukelab-plotly-note", ` (span [${ex.start}, ${ex.end}) is past the end of the text)`));
  li.append(sentence);

  const marks = D.labelMarks(ex.gold, ex.predicted);
  li.append(labelRow("gold", marks.gold), labelRow("predicted", marks.predicted));

  const top = D.topProbabilities(ex.probabilities);
  if (top.length) {
    const probs = el("div", "lukelab-plotly-probs", "top: " + top.map((t) => `${t.label} ${t.p.toFixed(3)}`).join(" · "));
    li.append(probs);
  }
  if (ex.source) li.append(el("div", "lukelab-plotly-source", ex.source));
  return li;
}

function labelRow(name: string, marks: D.LabelMark[]): HTMLElement {
  const row = el("div", "lukelab-plotly-labels");
  row.dataset.role = name;
  row.append(el("span", "lukelab-plotly-labels-name", `${name}: `));
  if (!marks.length) row.append(el("span", "lukelab-plotly-note", "none"));
  marks.forEach((m, i) => {
    if (i) row.append(", ");
    const label = el("span", "lukelab-plotly-label", m.correct ? `${m.label} ✓` : m.label);
    label.dataset.correct = String(m.correct);
    if (m.correct) label.title = "correct: both gold and predicted";
    row.append(label);
  });
  return row;
}
