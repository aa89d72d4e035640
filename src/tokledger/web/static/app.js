// The dashboard: state (kept in the URL hash, theme and palette in localStorage), loading from /api, the
// headline numbers, the calendar with its day breakdown, and the charts.

import { billedSummary, drawBilled } from "./billed.js";
import { Calendar } from "./calendar.js";
import { lineChart, modelBars, monthlyBars } from "./charts.js";
import {
  SERIES, addDays, allUnpriced, compact, cost, getJSON, h, hideTip, longDate, money, number, tokenLines,
} from "./format.js";

const $ = (id) => document.getElementById(id);
const state = {
  year: null, source: [], model: "", view: "2d", metric: "cost", range: "90",
  palette: localStorage.getItem("tokledger.palette") || "green",
  theme: document.documentElement.dataset.theme,
  day: null, allModels: false, billed: "provider", allBilledModels: false,
};
const data = { palettes: null, all: null, graph: null, overview: null, models: null, billed: null };
const calendar = new Calendar($("calendar"), { onPick: (date) => showDay(date) });
let loadId = 0;

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  if (p.get("year")) state.year = Number(p.get("year"));
  state.source = (p.get("source") || "").split(",").filter(Boolean);
  state.model = p.get("model") || "";
  if (["2d", "3d"].includes(p.get("view"))) state.view = p.get("view");
  if (["cost", "tokens"].includes(p.get("metric"))) state.metric = p.get("metric");
  if (["30", "90", "year"].includes(p.get("range"))) state.range = p.get("range");
  if (p.get("billed") === "model") state.billed = "model";
}

function writeHash() {
  const p = new URLSearchParams();
  if (state.year) p.set("year", state.year);
  if (state.source.length) p.set("source", state.source.join(","));
  if (state.model) p.set("model", state.model);
  if (state.view !== "2d") p.set("view", state.view);
  if (state.metric !== "cost") p.set("metric", state.metric);
  if (state.range !== "90") p.set("range", state.range);
  if (state.billed !== "provider") p.set("billed", state.billed);
  history.replaceState(null, "", p.toString() ? "#" + p : location.pathname);
}

function filters(extra = {}) {
  const p = new URLSearchParams();
  if (state.source.length) p.set("source", state.source.join(","));
  if (state.model) p.set("model", state.model);
  for (const [k, v] of Object.entries(extra)) if (v !== null && v !== undefined && v !== "") p.set(k, v);
  const text = p.toString();
  return text ? "?" + text : "";
}

function colours() {
  return [data.palettes.themes[state.theme].empty, ...data.palettes.palettes[state.palette][state.theme]];
}

function drawCalendar() {
  calendar.render(data.graph, { view: state.view, metric: state.metric, colours: colours(), theme: state.theme });
  for (const [i, colour] of colours().entries()) $("scale").children[i].style.background = colour;
  for (const seg of ["view", "metric"]) {
    for (const b of $(seg).querySelectorAll("button")) b.setAttribute("aria-pressed", b.dataset.value === state[seg]);
  }
}

function card(label, value, sub, cls = "") {
  return h("div.stat" + cls, {}, h("span.stat-label", {}, label), h("b.stat-value", {}, value),
    h("span.stat-sub", {}, sub || ""));
}

const plural = (n, word) => `${number(n)} ${word}${n === 1 ? "" : "s"}`;

function drawStats(o) {
  const t = o.totals, avg = o.average_per_active_day;
  const fav = o.most_used_model, busy = o.busiest_day, streak = o.longest_streak;
  const input = t.input_tokens + t.cache_write_tokens + t.cache_read_tokens;
  $("stats").replaceChildren(
    card("Total cost", cost(t), t.unpriced_requests ? `${plural(t.unpriced_requests, "request")} unpriced`
      : "all usage priced", ".accent"),
    card("Tokens", compact(t.total_tokens), `${compact(input)} in · ${compact(t.output_tokens)} out`),
    card("Requests", number(t.requests), `${number(avg.requests)} per active day`),
    card("Active days", `${o.active_days} / ${o.days}`,
      o.active_days ? `${money(avg.cost_usd_priced)} per active day` : ""),
    card("Current streak", plural(o.current_streak, "day"), "ending today or yesterday"),
    card("Longest streak", plural(streak.days, "day"), streak.start ? `${streak.start} → ${streak.end}` : ""),
    card("Most used model", fav ? fav.model : "–",
      fav ? `${Math.round((100 * fav.requests) / (t.requests || 1))}% of requests` : "", ".wide"),
    card("Busiest day", busy ? cost(busy) : "–", busy ? longDate(busy.date) : ""),
    ...(o.hosts && o.hosts.length > 1  // a team ledger: the machines the numbers come from
      ? [card("Hosts", String(o.hosts.length), o.hosts.map((x) => `${x.host} ${cost(x)}`).join(" · "), ".wide")]
      : []),
  );
}

function modelRow(m) {
  return h("tr", {},
    h("td.model-name", {}, m.model),
    h("td.tokens", {}, tokenLines(m).map(([label, value]) => h("span", {}, `${label} ${value}`))),
    h("td.num", {}, `${number(m.requests)} req`),
    h("td.num.cost", {}, cost(m)));
}

async function showDay(date) {
  state.day = date;
  calendar.select(date);
  hideTip();
  const d = await getJSON(`/api/day/${date}` + filters());
  const panel = $("day");
  const close = () => { panel.hidden = true; state.day = null; calendar.select(null); };
  const head = h("div.card-head", {}, h("h2", {}, `${longDate(date)} – Detailed breakdown`),
    h("button.icon", { type: "button", "aria-label": "Close", onclick: close }, "×"));
  if (!d.totals.requests) {
    panel.replaceChildren(head, h("p.empty", {}, "No activity on this day"));
  } else {
    const models = d.sources.reduce((n, src) => n + src.models.length, 0);
    const sources = d.sources.map((src) => h("div.source", { dataset: { source: src.source } },
      h("div.source-head", {}, h("b", {}, src.source),
        h("span", {}, `${cost(src)} · ${plural(src.requests, "request")}`)),
      h("table.models", {}, h("tbody", {}, src.models.map(modelRow)))));
    const t = d.totals;
    const footer = h("div.day-total", {}, h("b", {}, `Day total ${cost(t)}`), h("span", {},
      `${compact(t.total_tokens)} tokens · ${plural(t.requests, "request")} · ${plural(d.sources.length, "source")}`
      + ` · ${plural(models, "model")}`));
    panel.replaceChildren(head, ...sources, footer);
  }
  panel.hidden = false;
}

// Every source keeps its colour whatever the filter or range.
function colourOf(name) {
  const names = data.all.sources.map((x) => x.source).sort();
  const i = names.indexOf(name);
  return SERIES[(i < 0 ? names.length : i) % SERIES.length];
}

function toggleSource(name) {
  state.source = state.source.includes(name) ? state.source.filter((x) => x !== name) : [...state.source, name];
  reload();
}

function drawChips() {
  const sources = data.all.sources.map((x) => x.source).sort();
  const chip = (name) => h("button.chip", { type: "button", "aria-pressed": state.source.includes(name),
    dataset: { source: name }, onclick: () => toggleSource(name) },
  h("i", { style: `background:${colourOf(name)}` }), name);
  $("sources").replaceChildren(h("span.chips-label", {}, "Sources"), ...sources.map(chip),
    h("button.link", { type: "button", onclick: () => { state.source = []; reload(); } }, "Show all"));
  $("model-names").replaceChildren(...data.all.models.map((m) => h("option", { value: m.model })));
  const years = data.all.years.length ? data.all.years : [data.graph.meta.year];
  $("year").replaceChildren(...[...years].reverse().map((y) => h("option", { value: y }, y)));
  $("year").value = data.graph.meta.year;
  $("year").disabled = years.length < 2;
}

function chartRange() {
  const year = data.graph.meta.year;
  const today = data.all.today;
  const entry = data.graph.years.find((y) => y.year === year);
  const end = entry && entry.last_day ? entry.last_day : (today.startsWith(String(year)) ? today : `${year}-12-31`);
  if (state.range === "year") return [`${year}-01-01`, today.startsWith(String(year)) ? today : `${year}-12-31`];
  return [addDays(end, 1 - Number(state.range)), end];
}

async function reload(palettes = null) {
  const id = ++loadId;
  writeHash();
  $("model").value = state.model;
  const [graph, all] = await Promise.all([
    getJSON("/api/graph" + filters({ year: state.year, breakdown: 0 })),
    data.all ? data.all : getJSON("/api/overview"),
    palettes && palettes.then(setup),
  ]);
  if (id !== loadId) return;
  Object.assign(data, { graph, all });
  const s = graph.summary;
  $("calendar-title").textContent = `${plural(s.requests, "request")} in ${graph.meta.year}`;
  $("calendar-sub").textContent = `${cost(s)} · ${compact(s.total_tokens)} tokens · ${s.active_days} active days`;
  $("calendar-note").hidden = !graph.contributions.some(allUnpriced);
  drawChips();
  drawCalendar();
  performance.mark("calendar-rendered");
  document.documentElement.dataset.calendar = "ready";
  if (state.day && state.day.startsWith(String(graph.meta.year))) showDay(state.day); else $("day").hidden = true;
  await drawCharts(id);
}

async function drawCharts(id) {
  const year = data.graph.meta.year;
  const [since, until] = chartRange();
  const [overview, models, monthly, daily, billed] = await Promise.all([
    getJSON("/api/overview" + filters({ year })),
    getJSON("/api/model" + filters({ year, breakdown: 1 })),
    getJSON("/api/monthly" + filters()),
    getJSON("/api/daily" + filters({ since, until, breakdown: 1 })),
    getJSON("/api/billed"),
  ]);
  if (id !== loadId) return;
  Object.assign(data, { overview, models, monthly, daily, billed, range: [since, until] });
  drawStats(overview);
  drawChartsOnly();
  for (const b of $("range").querySelectorAll("button")) {
    b.setAttribute("aria-pressed", b.dataset.value === state.range);
  }
  performance.mark("dashboard-rendered");
  document.documentElement.dataset.dashboard = "ready";
}

function drawChartsOnly() {
  lineChart($("daily-chart"), data.daily, ...data.range, colourOf);
  drawModels();
  monthlyBars($("monthly-chart"), data.monthly, state.metric);
  drawBilledCard();
}

// What the vendors billed: shown once a provider has recorded something.
function drawBilledCard() {
  const doc = data.billed;
  $("billed-card").hidden = !doc.providers.length;
  if (!doc.providers.length) return;
  $("billed-sub").textContent = billedSummary(doc);
  drawBilled($("billed-chart"), doc, state.billed, { expanded: state.allBilledModels, onToggle: () => {
    state.allBilledModels = !state.allBilledModels; drawBilledCard();
  } });
  for (const b of $("billed-view").querySelectorAll("button")) b.setAttribute("aria-pressed", b.dataset.value === state.billed);
}

function drawModels() {
  modelBars($("model-chart"), data.models, { expanded: state.allModels, onToggle: () => {
    state.allModels = !state.allModels; drawModels();
  } });
}

function setTheme(theme) {
  state.theme = theme;
  document.documentElement.dataset.theme = theme;
  localStorage.setItem("tokledger.theme", theme);
  $("theme").setAttribute("aria-label", theme === "dark" ? "Switch to light theme" : "Switch to dark theme");
  if (data.graph) drawCalendar();
}

function wire() {
  $("year").addEventListener("change", (e) => { state.year = Number(e.target.value); reload(); });
  $("model").addEventListener("change", (e) => { state.model = e.target.value.trim(); reload(); });
  $("theme").addEventListener("click", () => setTheme(state.theme === "dark" ? "light" : "dark"));
  $("palette").replaceChildren(...Object.keys(data.palettes.palettes).map((p) => h("option", { value: p }, p)));
  $("palette").value = state.palette;
  $("palette").addEventListener("change", (e) => {
    state.palette = e.target.value; localStorage.setItem("tokledger.palette", state.palette); drawCalendar();
  });
  for (const seg of ["view", "metric"]) {
    $(seg).addEventListener("click", (e) => {
      if (!e.target.dataset.value) return;
      state[seg] = e.target.dataset.value;
      writeHash();
      drawCalendar();
      if (seg === "metric" && data.monthly) monthlyBars($("monthly-chart"), data.monthly, state.metric);
    });
  }
  $("billed-view").addEventListener("click", (e) => {
    if (!e.target.dataset.value) return;
    state.billed = e.target.dataset.value;
    writeHash();
    drawBilledCard();
  });
  $("range").addEventListener("click", (e) => {
    if (!e.target.dataset.value) return;
    state.range = e.target.dataset.value;
    writeHash();
    drawCharts(loadId);
  });
  let timer = null;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!data.daily) return;
      if (state.view === "3d") drawCalendar();
      drawChartsOnly();
    }, 150);
  });
}

function setup(palettes) {
  data.palettes = palettes;
  if (!palettes.palettes[state.palette]) state.palette = "green";
  wire();
  setTheme(state.theme);
}

async function main() {
  readHash();
  try {
    await reload(getJSON("/api/palettes"));  // the palettes and the first data in parallel
  } catch (error) {
    $("error").textContent = `Could not load the dashboard: ${error.message}`;
    $("error").hidden = false;
  }
}

window.tokledger = { state, calendar, data };
main();
