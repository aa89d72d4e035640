// Formatting, small DOM helpers and the shared tooltip. Costs follow the CLI: "unpriced" when nothing in a
// figure has a price, a trailing "*" when part of it has none — never a silent $0.

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const usdShort = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const int = new Intl.NumberFormat("en-US");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// Colours and display names from /api/palettes: one colour per model (as `tokledger live` draws it), one per
// source, and each source's name as people know it ("Claude Code" for claude_code).
const named = { models: {}, sources: {} };

export function setNames(palettes) {
  named.models = palettes.models || {};
  named.sources = palettes.sources || {};
}

export function modelColour(model) {
  return named.models[model] || "#8b9bb0";
}

export function sourceColour(source) {
  return (named.sources[source] || {}).colour || "#8b9bb0";
}

export function sourceName(source) {
  return (named.sources[source] || {}).title || source;
}

// A day or figure whose usage has no price at all (shown as "unpriced", never as an empty $0).
export function allUnpriced(t) {
  return t.unpriced_requests > 0 && !t.cost_usd_priced;
}

export function cost(t) {
  if (allUnpriced(t)) return "unpriced";
  return usd.format(t.cost_usd_priced) + (t.unpriced_requests ? "*" : "");
}

export function money(value, short = false) {
  return (short && Math.abs(value) >= 100 ? usdShort : usd).format(value);
}

// The labels of one axis, all in the same format: whole dollars when the step is, else cents.
export function axisMoney(step) {
  const whole = Number.isInteger(Math.round(step * 100) / 100) && step >= 1;
  return (v) => (whole ? usdShort : usd).format(v);
}

export function percent(part, whole) {
  if (!whole) return "0%";
  const p = (100 * part) / whole;
  return p > 0 && p < 1 ? "<1%" : `${Math.round(p)}%`;
}

export function number(n) {
  return int.format(n);
}

export function compact(n) {
  for (const [size, suffix] of [[1e9, "B"], [1e6, "M"], [1e3, "K"]]) {
    if (Math.abs(n) >= size) return `${+(n / size).toFixed(1)}${suffix}`;
  }
  return int.format(Math.round(n));
}

export function parseDay(text) {
  const [y, m, d] = text.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function addDays(text, n) {
  const date = parseDay(text);
  date.setUTCDate(date.getUTCDate() + n);
  return isoDay(date);
}

export function longDate(text) {
  const d = parseDay(text);
  return `${["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"][d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

export function shortDate(text) {
  const d = parseDay(text);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
}

export function monthName(index) {
  return MONTHS[index];
}

// h("div.card", {onclick}, child, ...) — a tag with optional classes, attributes/properties and children.
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const node = document.createElement(tag || "div");
  if (classes.length) node.className = classes.join(" ");
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function s(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

// The token categories shown wherever a figure is broken down (each only when non-zero).
export const CATEGORIES = [
  ["Input", "input_tokens"], ["Output", "output_tokens"], ["Cache read", "cache_read_tokens"],
  ["Cache write", "cache_write_tokens"], ["Reasoning", "reasoning_tokens"],
];

export function tokenLines(t) {
  return CATEGORIES.filter(([, key]) => t[key]).map(([label, key]) => [label, number(t[key])]);
}

const tip = document.getElementById("tooltip");

// Show the tooltip near (x, y) in viewport coordinates (above it when asked and there is room), kept inside
// the viewport.
export function showTip(x, y, title, rows, { accent = false, note = null, above = false } = {}) {
  tip.replaceChildren(
    h("div.tip-title", {}, title),
    ...rows.map(([label, value, cls, colour]) => h("div.tip-row" + (cls ? "." + cls : ""), {},
      h("span", {}, colour ? h("i.swatch", { style: `background:${colour}` }) : null, label), h("b", {}, value))),
  );
  if (note) tip.append(h("div.tip-note", {}, note));
  tip.classList.toggle("accent", accent);
  tip.hidden = false;
  const box = tip.getBoundingClientRect();
  const left = Math.min(Math.max(8, x + 14), window.innerWidth - box.width - 8);
  const fitsBelow = y + 16 + box.height <= window.innerHeight - 8;
  const top = (above && y - box.height - 12 >= 8) || !fitsBelow ? y - box.height - 12 : y + 16;
  tip.style.left = `${left}px`;
  tip.style.top = `${Math.max(8, top)}px`;
}

export function hideTip() {
  tip.hidden = true;
}

// What a calendar day says to a screen reader (and in the keyboard's live region).
export function dayLabel(c) {
  if (!c.requests) return `${longDate(c.date)}: no usage`;
  return `${longDate(c.date)}: ${cost(c)}, ${compact(c.total_tokens)} tokens, ${number(c.requests)} request${
    c.requests === 1 ? "" : "s"}`;
}

// The tooltip for one calendar day (a contribution entry of /api/graph).
export function dayTip(x, y, c) {
  if (!c.requests) {
    showTip(x, y, longDate(c.date), [["No usage", ""]], { above: true });
    return;
  }
  const rows = [["Cost", cost(c), "cost"], ...tokenLines(c), ["Total tokens", number(c.total_tokens)],
    ["Requests", number(c.requests)]];
  const note = c.unpriced_requests ? `${number(c.unpriced_requests)} unpriced request(s) not in the cost` : null;
  showTip(x, y, longDate(c.date), rows, { accent: c.intensity >= 2, note, above: true });
}

export async function getJSON(url) {
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `${response.status} ${url}`);
  return body;
}
