// The breakdown of one day (/api/day/DATE): its totals, the share of each token category as one bar, its
// models with their share of the day (as tokscale lists them), and each source's models in detail. The
// lists are rows of boxes that wrap, so a phone shows them stacked.

import { compact, cost, h, longDate, modelColour, number, percent, sourceName, tokenLines } from "./format.js";

const plural = (n, word) => `${number(n)} ${word}${n === 1 ? "" : "s"}`;
// The disjoint categories that add up to the total (reasoning is part of output).
const SHARES = [["Input", "input_tokens", "input"], ["Cache write", "cache_write_tokens", "cw"],
  ["Cache read", "cache_read_tokens", "cr"], ["Output", "output_tokens", "output"]];

function shareBar(t) {
  const total = t.total_tokens || 1;
  const parts = SHARES.filter(([, key]) => t[key]);
  return h("div.share", {},
    h("div.share-bar", { role: "img", "aria-label": "Token types: " + parts.map(([label, key]) =>
      `${label} ${percent(t[key], total)}`).join(", ") },
    parts.map(([label, key, cls]) => h("i.part." + cls, { style: `width:${(100 * t[key]) / total}%`, title: label }))),
    h("div.share-keys", {}, parts.map(([label, key, cls]) => h("span.key", { dataset: { category: key } },
      h("i.part." + cls), `${label} `, h("b", {}, percent(t[key], total)), ` ${compact(t[key])}`))));
}

function models(d, metric) {
  const all = new Map();
  for (const src of d.sources) {
    for (const m of src.models) {
      const t = all.get(m.model) || { model: m.model, cost_usd_priced: 0, unpriced_requests: 0, total_tokens: 0, requests: 0 };
      t.cost_usd_priced += m.cost_usd_priced;
      t.unpriced_requests += m.unpriced_requests;
      t.total_tokens += m.total_tokens;
      t.requests += m.requests;
      all.set(m.model, t);
    }
  }
  const byCost = metric !== "tokens" && d.totals.cost_usd_priced > 0;
  const key = byCost ? "cost_usd_priced" : "total_tokens";
  const whole = d.totals[key];
  const list = [...all.values()].sort((a, b) => b[key] - a[key] || b.total_tokens - a.total_tokens);
  return h("div.day-models", {}, h("div.day-models-head", {}, `Models · share of the day's ${byCost ? "cost" : "tokens"}`),
    list.map((m) => h("div.day-model", { dataset: { model: m.model } },
      h("span.model-name", {}, h("i.swatch", { style: `background:${modelColour(m.model)}` }), m.model),
      h("span.meter", {}, h("i", { style: `width:${whole ? (100 * m[key]) / whole : 0}%;background:${modelColour(m.model)}` })),
      h("b.pct", {}, percent(m[key], whole)),
      h("span.num", {}, `${cost(m)} · ${compact(m.total_tokens)}`))));
}

function modelRow(m) {
  return h("div.model-row", {},
    h("span.model-name", {}, h("i.swatch", { style: `background:${modelColour(m.model)}` }), m.model),
    h("span.tokens", {}, tokenLines(m).map(([label, value]) => h("span", {}, `${label} ${value}`))),
    h("span.num", {}, `${number(m.requests)} req`),
    h("b.num.cost", {}, cost(m)));
}

export function dayPanel(panel, date, d, { metric, onClose }) {
  const head = h("div.card-head", {}, h("h2", {}, `${longDate(date)} – Detailed breakdown`),
    h("button.icon", { type: "button", "aria-label": "Close the breakdown", onclick: onClose }, "×"));
  if (!d.totals.requests) {
    panel.replaceChildren(head, h("p.empty", {}, "No activity on this day"));
    return;
  }
  const t = d.totals;
  const n = d.sources.reduce((k, src) => k + src.models.length, 0);
  const sources = d.sources.map((src) => h("div.source", { dataset: { source: src.source } },
    h("div.source-head", {}, h("b", {}, sourceName(src.source)),
      h("span", {}, `${cost(src)} · ${plural(src.requests, "request")}`)),
    h("div.models", {}, src.models.map(modelRow))));
  const footer = h("div.day-total", {}, h("b", {}, `Day total ${cost(t)}`), h("span", {},
    `${compact(t.total_tokens)} tokens · ${plural(t.requests, "request")} · ${plural(d.sources.length, "source")}`
    + ` · ${plural(n, "model")}`));
  panel.replaceChildren(head, shareBar(t), models(d, metric), ...sources, footer);
}
