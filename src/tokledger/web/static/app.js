// The dashboard: state (kept in the URL hash, theme and palette in localStorage), loading from /api, the
// headline numbers, the calendar with its day breakdown, and the charts.

import { billedSummary, drawBilled } from "./billed.js";
import { Calendar } from "./calendar.js";
import { lineChart, modelBars, monthlyBars } from "./charts.js";
import { dayPanel } from "./day.js";
import {
  addDays, allUnpriced, compact, cost, getJSON, h, hideTip, longDate, money, number, setNames, sourceColour,
  sourceName,
} from "./format.js";

const $ = (id) => document.getElementById(id);
const state = {
  year: null, source: [], model: "", view: "2d", metric: "cost", range: "90",
  palette: localStorage.getItem("tokledger.palette") || "green",
  theme: document.documentElement.dataset.theme,
  day: null, allModels: false, billed: "provider", allBilledModels: false,
};
const data = { palettes: null, all: null, graph: null, overview: null, models: null, billed: null };
const calendar = new Calendar($("calendar"), { onPick: (date) => pickDay(date), onEscape: () => closeDay(),
  live: $("calendar-live") });
const RANGES = ["30", "90", "365", "year"];
let loadId = 0;

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  if (p.get("year")) state.year = Number(p.get("year")) || null;
  state.source = (p.get("source") || "").split(",").filter(Boolean);
  state.model = p.get("model") || "";
  if (["2d", "3d"].includes(p.get("view"))) state.view = p.get("view");
  if (["cost", "tokens"].includes(p.get("metric"))) state.metric = p.get("metric");
  if (RANGES.includes(p.get("range"))) state.range = p.get("range");
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

function pressed(seg) {
  for (const b of $(seg).querySelectorAll("button")) b.setAttribute("aria-pressed", b.dataset.value === state[seg]);
}

function drawCalendar() {
  calendar.render(data.graph, { view: state.view, metric: state.metric, colours: colours(), theme: state.theme });
  calendar.select(state.day);
  for (const [i, colour] of colours().entries()) $("scale").children[i].style.background = colour;
  pressed("view");
  pressed("metric");
  draw3dStats();
}

const plural = (n, word) => `${number(n)} ${word}${n === 1 ? "" : "s"}`;

function card(label, value, sub, cls = "") {
  return h("div.stat" + cls, {}, h("span.stat-label", {}, label), h("b.stat-value", {}, value),
    h("span.stat-sub", {}, sub || ""));
}

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

// The 3D view's own figures, as tokscale shows them over its bars.
function draw3dStats() {
  const box = $("stats3d");
  box.hidden = state.view !== "3d";
  if (box.hidden) return;
  const s = data.graph.summary, best = s.best_day, longest = s.longest_streak;
  const item = (label, value, sub) => h("div.s3", {}, h("span", {}, label), h("b", {}, value), h("small", {}, sub));
  box.replaceChildren(
    item("Total", cost(s), `${data.graph.meta.range.start} – ${data.graph.meta.range.end}`),
    item("Tokens", compact(s.total_tokens), `${s.active_days} active days`),
    item("Best day", best ? cost(best) : "–", best ? longDate(best.date) : ""),
    item("Average", money(s.average_per_active_day.cost_usd_priced), "per active day"),
    item("Streaks", `${s.current_streak} / ${longest.days}`, "current / longest (days)"));
}

async function pickDay(date) {
  if (state.day === date && !$("day").hidden) { closeDay(); return; }  // the same day again: toggle
  await showDay(date);
}

function closeDay() {
  $("day").hidden = true;
  state.day = null;
  calendar.select(null);
  hideTip();
}

async function showDay(date) {
  state.day = date;
  calendar.select(date);
  hideTip();
  const id = loadId;
  const d = await getJSON(`/api/day/${date}` + filters());
  if (id !== loadId || state.day !== date) return;
  dayPanel($("day"), date, d, { metric: state.metric, onClose: closeDay });
  $("day").hidden = false;
}

function toggleSource(name) {
  state.source = state.source.includes(name) ? state.source.filter((x) => x !== name) : [...state.source, name];
  reload();
}

function drawChips() {
  const sources = data.all.sources.map((x) => x.source).sort();
  const chip = (name) => h("button.chip", { type: "button", "aria-pressed": state.source.includes(name),
    dataset: { source: name }, onclick: () => toggleSource(name), title: name },
  h("i", { style: `background:${sourceColour(name)}` }), sourceName(name));
  $("sources").replaceChildren(h("span.chips-label", {}, "Sources"), ...sources.map(chip),
    h("button.link", { type: "button", onclick: () => { state.source = []; reload(); } }, "Show all"));
  $("model-names").replaceChildren(...data.all.models.map((m) => h("option", { value: m.model })));
  // Always the years with data (whatever the filters), so no choice leads to an empty, locked select.
  const years = data.all.years.length ? data.all.years : [data.graph.meta.year];
  $("year").replaceChildren(...[...years].reverse().map((y) => h("option", { value: y }, y)));
  $("year").value = data.graph.meta.year;
  $("year").disabled = years.length < 2;
}

// Say why a view is empty, and offer the way out.
function drawNotice(asked) {
  const notes = [];
  if (asked && asked !== data.graph.meta.year) notes.push(`No usage in ${asked}; showing ${data.graph.meta.year}.`);
  if (state.model && !data.graph.summary.requests) {
    const words = state.model.split(",").map((w) => w.trim().toLowerCase()).filter(Boolean);
    const unknown = words.filter((w) => !data.all.models.some((m) => m.model.toLowerCase().includes(w)));
    notes.push(unknown.length
      ? `No model contains ${unknown.map((w) => `"${w}"`).join(" or ")}.`
      : `No usage of models containing "${state.model}"${state.source.length ? ` in ${state.source.map(sourceName).join(", ")}` : ""} in ${data.graph.meta.year}.`);
  } else if (state.source.length && !data.graph.summary.requests) {
    notes.push(`No usage from ${state.source.map(sourceName).join(", ")} in ${data.graph.meta.year}.`);
  }
  const box = $("notice");
  box.hidden = !notes.length;
  const clear = notes.length && (state.model || state.source.length)
    ? [h("button.link", { type: "button", onclick: () => { state.model = ""; state.source = []; reload(); } },
      "Clear the filters")]
    : [];
  box.replaceChildren(...notes.map((n) => h("span", {}, n)), ...clear);
}

function chartRange() {
  const year = data.graph.meta.year;
  const today = data.all.today;
  const entry = data.graph.years.find((y) => y.year === year);
  const end = entry && entry.last_day ? entry.last_day : (today.startsWith(String(year)) ? today : `${year}-12-31`);
  if (state.range === "year") return [`${year}-01-01`, today.startsWith(String(year)) ? today : `${year}-12-31`];
  return [addDays(end, 1 - Number(state.range)), end];
}

function lastActiveDay() {
  const active = data.graph.contributions.filter((c) => c.requests);
  return active.length ? active.at(-1).date : null;
}

async function reload(palettes = null) {
  const id = ++loadId;
  $("model").value = state.model;
  const asked = state.year;
  let [graph, all] = await Promise.all([
    getJSON("/api/graph" + filters({ year: state.year, breakdown: 0 })),
    data.all ? data.all : getJSON("/api/overview"),
    palettes && palettes.then(setup),
  ]);
  // A year without usage (a bookmark, a hand-written hash): the newest year that has some.
  if (asked && all.years.length && !all.years.includes(asked)) {
    state.year = all.years.at(-1);
    graph = await getJSON("/api/graph" + filters({ year: state.year, breakdown: 0 }));
  }
  if (id !== loadId) return;
  writeHash();
  Object.assign(data, { graph, all });
  const s = graph.summary;
  $("calendar-title").textContent = `${plural(s.requests, "request")} in ${graph.meta.year}`;
  $("calendar-sub").textContent = `${cost(s)} · ${compact(s.total_tokens)} tokens · ${s.active_days} active days`;
  $("calendar-note").hidden = !graph.contributions.some(allUnpriced);
  drawChips();
  drawNotice(asked);
  if (!state.day || !state.day.startsWith(String(graph.meta.year))) state.day = lastActiveDay();
  drawCalendar();
  performance.mark("calendar-rendered");
  document.documentElement.dataset.calendar = "ready";
  if (state.day) await showDay(state.day); else $("day").hidden = true;
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
  pressed("range");
  performance.mark("dashboard-rendered");
  document.documentElement.dataset.dashboard = "ready";
}

function drawChartsOnly() {
  $("daily-title").textContent = state.metric === "tokens" ? "Daily tokens by source" : "Daily cost by source";
  lineChart($("daily-chart"), data.daily, ...data.range, state.metric);
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
  modelBars($("model-chart"), data.models, { expanded: state.allModels, metric: state.metric, onToggle: () => {
    state.allModels = !state.allModels; drawModels();
  } });
}

function setTheme(theme) {
  state.theme = theme;
  document.documentElement.dataset.theme = theme;
  localStorage.setItem("tokledger.theme", theme);
  $("theme").setAttribute("aria-label", theme === "dark" ? "Switch to the light theme" : "Switch to the dark theme");
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
      if (seg === "metric" && data.daily) {
        drawChartsOnly();
        if (state.day && !$("day").hidden) showDay(state.day);
      }
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
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !$("day").hidden) closeDay();
  });
  let timer = null, width = window.innerWidth;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!data.daily || window.innerWidth === width) return;
      width = window.innerWidth;
      drawCalendar();
      drawChartsOnly();
    }, 150);
  });
}

function setup(palettes) {
  data.palettes = palettes;
  setNames(palettes);
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
