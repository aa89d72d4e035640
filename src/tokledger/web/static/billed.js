// The billed view: what the vendors charged, from /api/billed (tokledger billed --json) — per provider per UTC
// day as lines, or per model as bars. It never mixes with the local figures of the rest of the page.

import { lineChart, modelBars } from "./charts.js";
import { SERIES, addDays, compact, cost, number } from "./format.js";

const plural = (n, word) => `${number(n)} ${word}${n === 1 ? "" : "s"}`;

// The billed figures under the names the charts read (a billed "unpriced" is a record without a cost).
const asTotals = (f) => ({ ...f, unpriced_requests: f.unpriced_records });

function colourOf(doc) {
  return (name) => SERIES[Math.max(0, doc.providers.indexOf(name)) % SERIES.length];
}

export function billedSummary(doc) {
  const t = doc.totals;
  const note = { billed: "as the vendors billed it", estimated: "estimated from the price table",
    mixed: "part estimated from the price table (no vendor cost yet)" }[t.basis];
  return `${cost(asTotals(t))} · ${compact(t.total_tokens)} tokens · ${plural(doc.rows.length, "UTC day")} · ${note}`;
}

export function drawBilled(root, doc, view, { expanded = false, onToggle } = {}) {
  if (view === "model") {
    const rows = doc.models.map((m) => ({ ...asTotals(m), models: m.sources.map((source) => ({ source })) }));
    modelBars(root, { rows }, { expanded, onToggle });
    return;
  }
  const rows = doc.rows.map((r) => ({ period: r.period, models: r.sources.map(asTotals) }));
  const until = rows.length ? rows.at(-1).period : new Date().toISOString().slice(0, 10);
  const first = rows.length ? rows[0].period : until;
  const since = first > addDays(until, -89) ? first : addDays(until, -89);
  lineChart(root, { rows }, since, until, colourOf(doc));
}
