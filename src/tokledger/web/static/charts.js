// Charts drawn as plain SVG/HTML: daily cost per source (lines), cost and tokens per model (bars), monthly
// totals (columns). Each takes the JSON of an /api report as the CLI prints it.

import {
  SERIES, addDays, compact, cost, h, hideTip, money, monthName, number, parseDay, s, shortDate, showTip,
} from "./format.js";

function niceStep(max, ticks) {
  const raw = max / ticks || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((step) => step >= raw);
}

function summed(points) {
  return points.reduce((a, p) => ({ cost_usd_priced: a.cost_usd_priced + p.cost_usd_priced,
    unpriced_requests: a.unpriced_requests + p.unpriced_requests }), { cost_usd_priced: 0, unpriced_requests: 0 });
}

// Per source and day: summed totals from a daily report with breakdown (rows[].models[]).
export function bySourceAndDay(report) {
  const out = new Map();
  for (const row of report.rows) {
    for (const m of row.models || []) {
      const days = out.get(m.source) || out.set(m.source, new Map()).get(m.source);
      const t = days.get(row.period) || { cost_usd_priced: 0, unpriced_requests: 0, total_tokens: 0, requests: 0 };
      t.cost_usd_priced += m.cost_usd_priced;
      t.unpriced_requests += m.unpriced_requests;
      t.total_tokens += m.total_tokens;
      t.requests += m.requests;
      days.set(row.period, t);
    }
  }
  return out;
}

export function lineChart(root, report, since, until, colourOf) {
  const W = Math.max(320, root.clientWidth), H = 300, L = 56, R = 12, T = 12, B = 26;
  const days = [];
  for (let d = since; d <= until; d = addDays(d, 1)) days.push(d);
  const data = bySourceAndDay(report);
  const names = [...data.keys()].sort();
  const empty = { cost_usd_priced: 0, unpriced_requests: 0, total_tokens: 0, requests: 0 };
  const series = names.map((name) => ({
    name, colour: colourOf(name), points: days.map((d) => data.get(name).get(d) || empty),
  }));
  const max = Math.max(0, ...series.flatMap((x) => x.points.map((p) => p.cost_usd_priced)));
  const step = niceStep(max, 4), top = step * Math.max(1, Math.ceil(max / step));
  const x = (i) => L + (days.length > 1 ? (i * (W - L - R)) / (days.length - 1) : (W - L - R) / 2);
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "chart line-chart" });
  for (let v = 0; v <= top + step / 2; v += step) {
    svg.append(s("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(s("text", { x: L - 6, y: y(v) + 4, class: "label end" }, money(v, true)));
  }
  const every = Math.max(1, Math.ceil(days.length / Math.floor((W - L - R) / 70)));
  days.forEach((d, i) => {
    if (i % every === 0) svg.append(s("text", { x: x(i), y: H - 8, class: "label middle" }, shortDate(d)));
  });
  for (const line of series) {
    const path = line.points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.cost_usd_priced).toFixed(1)}`);
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
    const rows = series.map((line) => [line.name, cost(line.points[i]), `swatch-${SERIES.indexOf(line.colour)}`]);
    if (rows.length > 1) rows.push(["Total", cost(summed(series.map((line) => line.points[i]))), "total"]);
    showTip(event.clientX, event.clientY, shortDate(days[i]) + ", " + days[i].slice(0, 4),
      rows.length ? rows : [["No usage", ""]]);
  });
  overlay.addEventListener("mouseleave", () => { guide.setAttribute("visibility", "hidden"); hideTip(); });
  const legend = h("div.legend", {}, series.map((line) =>
    h("span.key", {}, h("i", { style: `background:${line.colour}` }), `${line.name} ${cost(summed(line.points))}`)));
  root.replaceChildren(series.length ? svg : h("p.empty", {}, "No usage in this range."), legend);
}

export function modelBars(root, report, { limit = 9, expanded = false, onToggle } = {}) {
  const rows = report.rows;
  const shown = expanded ? rows : rows.slice(0, limit);
  const maxCost = Math.max(0, ...rows.map((r) => r.cost_usd_priced));
  const maxTokens = Math.max(0, ...rows.map((r) => r.total_tokens));
  const list = h("div.bars", {}, shown.map((r) => {
    const sources = (r.models || []).map((m) => m.source);
    const item = h("div.bar-row", {},
      h("div.bar-name", { title: r.period }, r.period),
      h("div.bar-tracks", {},
        h("div.track", {}, h("div.fill.cost" + (r.unpriced_requests && !r.cost_usd_priced ? ".unpriced" : ""),
          { style: `width:${maxCost ? (100 * r.cost_usd_priced) / maxCost : 0}%` })),
        h("div.track.thin", {}, h("div.fill.tokens",
          { style: `width:${maxTokens ? (100 * r.total_tokens) / maxTokens : 0}%` }))),
      h("div.bar-value", {}, h("b", {}, cost(r)), h("span", {}, compact(r.total_tokens))));
    item.addEventListener("mousemove", (event) => showTip(event.clientX, event.clientY, r.period, [
      ["Cost", cost(r), "cost"], ["Tokens", number(r.total_tokens)], ["Requests", number(r.requests)],
      ...(sources.length ? [["Sources", [...new Set(sources)].join(", ")]] : []),
    ], { note: r.unpriced_requests ? `${number(r.unpriced_requests)} unpriced request(s)` : null }));
    item.addEventListener("mouseleave", hideTip);
    return item;
  }));
  const more = rows.length > limit
    ? h("button.link", { type: "button", onclick: onToggle },
      expanded ? "Show top " + limit : `Show all ${rows.length} models`)
    : null;
  root.replaceChildren(rows.length ? list : h("p.empty", {}, "No usage in this range."),
    h("div.legend", {}, h("span.key", {}, h("i.cost"), "cost"), h("span.key", {}, h("i.tokens"), "tokens")), ...(more ? [more] : []));
}

export function monthlyBars(root, report, metric) {
  const W = Math.max(320, root.clientWidth), H = 220, L = 56, R = 8, T = 12, B = 28;
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
  const value = (r) => (r ? (metric === "tokens" ? r.total_tokens : r.cost_usd_priced) : 0);
  const max = Math.max(0, ...months.map((m) => value(byMonth.get(m))));
  const step = niceStep(max, 4), top = step * Math.max(1, Math.ceil(max / step));
  const slot = (W - L - R) / Math.max(1, months.length);
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "chart month-chart" });
  for (let v = 0; v <= top + step / 2; v += step) {
    svg.append(s("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    const label = metric === "tokens" ? compact(v) : money(v, true);
    svg.append(s("text", { x: L - 6, y: y(v) + 4, class: "label end" }, label));
  }
  const every = Math.max(1, Math.ceil(months.length / Math.floor((W - L - R) / 56)));
  months.forEach((m, i) => {
    const r = byMonth.get(m);
    const x = L + i * slot + slot * 0.15, width = slot * 0.7, v = value(r);
    const bar = s("rect", { x, y: y(v), width, height: Math.max(0, H - B - y(v)), rx: 2,
      class: "column", "data-month": m });
    bar.addEventListener("mousemove", (event) => showTip(event.clientX, event.clientY,
      `${monthName(parseDay(m + "-01").getUTCMonth())} ${m.slice(0, 4)}`, r
        ? [["Cost", cost(r), "cost"], ["Tokens", number(r.total_tokens)], ["Requests", number(r.requests)]]
        : [["No usage", ""]]));
    bar.addEventListener("mouseleave", hideTip);
    svg.append(bar);
    if (i % every === 0) {
      const name = monthName(Number(m.slice(5)) - 1);
      const label = i === 0 || m.endsWith("-01") ? `${name} ${m.slice(0, 4)}` : name;
      svg.append(s("text", { x: x + width / 2, y: H - 10, class: "label middle" }, label));
    }
  });
  root.replaceChildren(months.length ? svg : h("p.empty", {}, "No usage recorded."));
}
