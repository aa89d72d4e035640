// Charts drawn as plain SVG/HTML: daily cost (or tokens) per source (lines), cost and tokens per model
// (bars in each model's colour), monthly totals (columns). Each takes the JSON of an /api report as the CLI
// prints it, and the metric the calendar shows.

import {
  addDays, axisMoney, compact, cost, h, hideTip, modelColour, monthName, number, parseDay, s, shortDate,
  showTip, sourceColour, sourceName,
} from "./format.js";

const VALUE = { cost: "cost_usd_priced", tokens: "total_tokens" };

function niceStep(max, ticks) {
  const raw = max / ticks || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((step) => step >= raw);
}

// The gridlines of a value axis: a step, the top, and one format for every label.
function scale(max, metric, ticks = 4) {
  const step = niceStep(max, ticks);
  const top = step * Math.max(1, Math.ceil(max / step));
  return { step, top, label: metric === "tokens" ? compact : axisMoney(step) };
}

const EMPTY = () => ({ cost_usd_priced: 0, unpriced_requests: 0, total_tokens: 0, requests: 0 });

function add(a, b) {
  a.cost_usd_priced += b.cost_usd_priced;
  a.unpriced_requests += b.unpriced_requests;
  a.total_tokens += b.total_tokens;
  a.requests += b.requests;
  return a;
}

function figure(t, metric) {
  return metric === "tokens" ? `${compact(t.total_tokens)} tokens` : cost(t);
}

// Per source and day: summed totals from a daily report with breakdown (rows[].models[]).
export function bySourceAndDay(report) {
  const out = new Map();
  for (const row of report.rows) {
    for (const m of row.models || []) {
      const days = out.get(m.source) || out.set(m.source, new Map()).get(m.source);
      days.set(row.period, add(days.get(row.period) || EMPTY(), m));
    }
  }
  return out;
}

export function lineChart(root, report, since, until, metric = "cost", { colourOf = sourceColour, nameOf = sourceName } = {}) {
  const W = Math.max(280, root.clientWidth), H = 300, L = 60, R = 12, T = 12, B = 26;
  const key = VALUE[metric];
  const days = [];
  for (let d = since; d <= until; d = addDays(d, 1)) days.push(d);
  const data = bySourceAndDay(report);
  const names = [...data.keys()].sort();
  const series = names.map((name) => ({
    name, colour: colourOf(name), points: days.map((d) => data.get(name).get(d) || EMPTY()),
  }));
  const max = Math.max(0, ...series.flatMap((x) => x.points.map((p) => p[key])));
  const { step, top, label } = scale(max, metric);
  const x = (i) => L + (days.length > 1 ? (i * (W - L - R)) / (days.length - 1) : (W - L - R) / 2);
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "chart line-chart" });
  for (let v = 0; v <= top + step / 2; v += step) {
    svg.append(s("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(s("text", { x: L - 6, y: y(v) + 4, class: "label end" }, label(v)));
  }
  const every = Math.max(1, Math.ceil(days.length / Math.floor((W - L - R) / 70)));
  days.forEach((d, i) => {
    if (i % every === 0) svg.append(s("text", { x: x(i), y: H - 8, class: "label middle" }, shortDate(d)));
  });
  for (const line of series) {
    const path = line.points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p[key]).toFixed(1)}`);
    svg.append(s("path", { d: path.join(""), stroke: line.colour, class: "series" }));
  }
  const guide = s("line", { y1: T, y2: H - B, class: "guide", visibility: "hidden" });
  const overlay = s("rect", { x: L, y: T, width: W - L - R, height: H - T - B, class: "overlay" });
  svg.append(guide, overlay);
  overlay.addEventListener("mousemove", (event) => {
    const box = svg.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * W;
    const i = Math.max(0, Math.min(days.length - 1, Math.round(((px - L) / (W - L - R)) * (days.length - 1))));
    guide.setAttribute("x1", x(i));
    guide.setAttribute("x2", x(i));
    guide.setAttribute("visibility", "visible");
    const rows = series.map((line) => [nameOf(line.name), figure(line.points[i], metric), "", line.colour]);
    if (rows.length > 1) {
      rows.push(["Total", figure(series.reduce((a, line) => add(a, line.points[i]), EMPTY()), metric), "total"]);
    }
    showTip(event.clientX, event.clientY, shortDate(days[i]) + ", " + days[i].slice(0, 4),
      rows.length ? rows : [["No usage", ""]]);
  });
  overlay.addEventListener("mouseleave", () => { guide.setAttribute("visibility", "hidden"); hideTip(); });
  const legend = h("div.legend", {}, series.map((line) => h("span.key", { dataset: { source: line.name } },
    h("i", { style: `background:${line.colour}` }), `${nameOf(line.name)} `,
    h("b", {}, figure(line.points.reduce(add, EMPTY()), metric)))));
  root.replaceChildren(series.length ? svg : h("p.empty", {}, "No usage in this range."), legend);
}

export function modelBars(root, report, { limit = 9, expanded = false, onToggle, metric = "cost" } = {}) {
  const key = VALUE[metric], other = metric === "tokens" ? "cost_usd_priced" : "total_tokens";
  const rows = [...report.rows].sort((a, b) => b[key] - a[key] || b[other] - a[other]);
  const shown = expanded ? rows : rows.slice(0, limit);
  const top = Math.max(0, ...rows.map((r) => r[key]));
  const topOther = Math.max(0, ...rows.map((r) => r[other]));
  const total = rows.reduce((n, r) => n + r[key], 0);
  const list = h("div.bars", {}, shown.map((r) => {
    const sources = [...new Set((r.models || []).map((m) => sourceName(m.source)))];
    const colour = modelColour(r.period);
    const unpriced = metric === "cost" && r.unpriced_requests && !r.cost_usd_priced;
    const item = h("div.bar-row", { dataset: { model: r.period } },
      h("div.bar-name", { title: r.period }, h("i.swatch", { style: `background:${colour}` }), r.period),
      h("div.bar-tracks", {},
        h("div.track", {}, h("div.fill" + (unpriced ? ".unpriced" : ""),
          { style: `width:${top ? (100 * r[key]) / top : 0}%;background:${colour}` })),
        h("div.track.thin", {}, h("div.fill.other",
          { style: `width:${topOther ? (100 * r[other]) / topOther : 0}%` }))),
      h("div.bar-value", {}, h("b", {}, metric === "tokens" ? compact(r.total_tokens) : cost(r)),
        h("span", {}, `${metric === "tokens" ? cost(r) : compact(r.total_tokens)} · ${
          total ? Math.round((100 * r[key]) / total) : 0}%`)));
    item.addEventListener("mousemove", (event) => showTip(event.clientX, event.clientY, r.period, [
      ["Cost", cost(r), "cost"], ["Tokens", number(r.total_tokens)], ["Requests", number(r.requests)],
      ...(sources.length ? [["Sources", sources.join(", ")]] : []),
    ], { note: r.unpriced_requests ? `${number(r.unpriced_requests)} unpriced request(s)` : null }));
    item.addEventListener("mouseleave", hideTip);
    return item;
  }));
  const more = rows.length > limit
    ? h("button.link", { type: "button", onclick: onToggle },
      expanded ? "Show top " + limit : `Show all ${rows.length} models`)
    : null;
  const legend = h("div.legend", {}, h("span.key", {}, h("i.swatch-bar"), metric === "tokens" ? "tokens" : "cost"),
    h("span.key", {}, h("i.other"), metric === "tokens" ? "cost" : "tokens"), h("span.key", {}, "% of the total"));
  root.replaceChildren(...[rows.length ? list : h("p.empty", {}, "No usage in this range."), legend, more]
    .filter(Boolean));
}

export function monthlyBars(root, report, metric) {
  const W = Math.max(280, root.clientWidth), H = 220, L = 60, R = 8, T = 12, B = 28;
  const byMonth = new Map(report.rows.map((r) => [r.period, r]));
  const months = [];
  if (report.rows.length) {
    let [year, month] = report.rows[0].period.split("-").map(Number);
    const last = report.rows.at(-1).period;
    for (;;) {
      const label = `${year}-${String(month).padStart(2, "0")}`;
      months.push(label);
      if (label >= last) break;
      [year, month] = month === 12 ? [year + 1, 1] : [year, month + 1];
    }
  }
  const value = (r) => (r ? r[VALUE[metric]] : 0);
  const max = Math.max(0, ...months.map((m) => value(byMonth.get(m))));
  const { step, top, label } = scale(max, metric);
  const slot = (W - L - R) / Math.max(1, months.length);
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "chart month-chart" });
  for (let v = 0; v <= top + step / 2; v += step) {
    svg.append(s("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(s("text", { x: L - 6, y: y(v) + 4, class: "label end" }, label(v)));
  }
  const every = Math.max(1, Math.ceil(months.length / Math.floor((W - L - R) / 56)));
  months.forEach((m, i) => {
    const r = byMonth.get(m);
    const x = L + i * slot + slot * 0.15, width = slot * 0.7, v = value(r);
    const bar = s("rect", { x, y: y(v), width, height: Math.max(0, H - B - y(v)), rx: 2,
      class: "column" + (metric === "tokens" ? " tokens" : ""), "data-month": m });
    bar.addEventListener("mousemove", (event) => showTip(event.clientX, event.clientY,
      `${monthName(parseDay(m + "-01").getUTCMonth())} ${m.slice(0, 4)}`, r
        ? [["Cost", cost(r), "cost"], ["Tokens", number(r.total_tokens)], ["Requests", number(r.requests)]]
        : [["No usage", ""]]));
    bar.addEventListener("mouseleave", hideTip);
    svg.append(bar);
    if (i % every === 0) {
      const name = monthName(Number(m.slice(5)) - 1);
      const text = i === 0 || m.endsWith("-01") ? `${name} ${m.slice(0, 4)}` : name;
      svg.append(s("text", { x: x + width / 2, y: H - 10, class: "label middle" }, text));
    }
  });
  root.replaceChildren(months.length ? svg : h("p.empty", {}, "No usage recorded."));
}
