/**
 * Summaries of the run table: per value of a hyperparameter, the mean and sample standard deviation
 * (n − 1) of each metric over the runs with that value (the seeds, in a sweep), and their count; the
 * best runs by a metric.
 */
import { aq, type ColumnTable } from "./arquero";
import { METRIC_COLUMNS, type MetricColumn } from "./run-table";

/**
 * One row per value of `parameter`, sorted by it: `n` (runs) and, per metric m, `m_mean`, `m_std`
 * (null with a single run) and `m_n` (runs that have the metric).
 */
export function summariseBy(table: ColumnTable, parameter: string, metrics: readonly MetricColumn[] = METRIC_COLUMNS): ColumnTable {
  if (!table.columnNames().includes(parameter)) {
    throw new Error(`no column "${parameter}" in the run table; the columns are ${table.columnNames().join(", ")}`);
  }
  const rollup: Record<string, unknown> = { n: aq().op.count() };
  for (const m of metrics) {
    rollup[`${m}_mean`] = aq().op.mean(m);
    rollup[`${m}_std`] = aq().op.stdev(m);
    rollup[`${m}_n`] = aq().op.valid(m);
  }
  const summary = table.groupby(parameter).rollup(rollup as Parameters<ColumnTable["rollup"]>[0]).orderby(parameter);
  // arquero leaves the deviation of one value undefined; null keeps the CSV and JSON explicit.
  const nulls: Record<string, unknown> = {};
  for (const m of metrics) nulls[`${m}_std`] = aq().escape((d: Record<string, unknown>) => d[`${m}_std`] ?? null);
  return summary.derive(nulls as Parameters<ColumnTable["derive"]>[0]);
}

/** The runs sorted by `metric`, best first (runs without it last); the first `limit` when given. */
export function bestRuns(table: ColumnTable, metric: MetricColumn = "dev_f1", limit?: number): ColumnTable {
  const sorted = table.orderby(aq().desc(metric));
  // arquero sorts null above numbers when descending; move runs without the metric to the end.
  const has = sorted.filter(aq().escape((d: Record<string, unknown>) => typeof d[metric] === "number"));
  const lacks = sorted.filter(aq().escape((d: Record<string, unknown>) => typeof d[metric] !== "number"));
  const all = has.concat(lacks);
  return limit === undefined ? all : all.slice(0, limit);
}
