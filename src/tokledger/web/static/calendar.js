// The contribution calendar of /api/graph: a 2D SVG grid (weeks × weekdays, Sunday first) or 3D isometric
// bars on a canvas. Either view shows the day's tooltip on hover, reports a click on a day, and can be used
// from the keyboard: the days are a grid (one tab stop; arrows move a day or a week, Home/End the year's
// ends, Enter or Space opens the day, Esc closes it), each with a label a screen reader reads out.

import { allUnpriced, dayLabel, dayTip, hideTip, monthName, parseDay, s } from "./format.js";

const LEFT = 30, TOP = 18;
const LEVEL = { cost: "intensity", tokens: "intensity_tokens" };
const VALUE = { cost: "cost_usd_priced", tokens: "total_tokens" };
const STEPS = { ArrowLeft: -7, ArrowRight: 7, ArrowUp: -1, ArrowDown: 1 };

function shade(hex, factor) {
  const n = parseInt(hex.slice(1), 16);
  const ch = (v) => Math.max(0, Math.min(255, Math.round(v * factor)));
  return `rgb(${ch(n >> 16)}, ${ch((n >> 8) & 255)}, ${ch(n & 255)})`;
}

export class Calendar {
  constructor(root, { onPick, onEscape, live }) {
    this.root = root;
    this.onPick = onPick;
    this.onEscape = onEscape;
    this.live = live;  // an aria-live element that reads out the day the keyboard is on
    this.selected = null;
    this.hover = null;
    this.focusDate = null;
    this.doc = null;
  }

  render(doc, options) {
    this.doc = doc;
    this.options = options;  // {view, metric, colours: [5 colours], theme}
    this.byDate = new Map(doc.contributions.map((c) => [c.date, c]));
    this.dates = doc.contributions.map((c) => c.date);
    this.weeks = doc.contributions.length ? doc.contributions.at(-1).week + 1 : 53;
    if (!this.byDate.has(this.focusDate)) this.focusDate = this.lastActive();
    this.root.replaceChildren();
    this.root.dataset.view = options.view;
    if (options.view === "3d") this.draw3d(); else this.draw2d();
  }

  lastActive() {
    const active = this.doc.contributions.filter((c) => c.requests);
    return (active.at(-1) || this.doc.contributions.at(-1) || {}).date || null;
  }

  select(date) {
    this.selected = date;
    if (date) this.focusDate = date;
    if (!this.doc) return;
    if (this.options.view === "3d") this.paint();
    else for (const rect of this.root.querySelectorAll("rect.day")) {
      rect.classList.toggle("selected", rect.dataset.date === date);
      rect.setAttribute("aria-selected", rect.dataset.date === date);
    }
  }

  // The viewport point at the middle of a day's cell (or bar top), for tooltips, keyboard focus and tests.
  pointFor(date) {
    if (this.options.view === "3d") {
      const bar = this.bars.find((b) => b.c.date === date);
      const box = this.canvas.getBoundingClientRect();
      return bar && { x: box.left + bar.centre[0], y: box.top + bar.centre[1] };
    }
    const rect = this.root.querySelector(`rect.day[data-date="${date}"]`);
    const box = rect && rect.getBoundingClientRect();
    return box && { x: box.left + box.width / 2, y: box.top + box.height / 2 };
  }

  // The keyboard: move the day the calendar's tab stop is on, open it, or close the open one.
  key(event) {
    const at = this.dates.indexOf(this.focusDate);
    let next = null;
    if (event.key in STEPS) next = at + STEPS[event.key];
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = this.dates.length - 1;
    else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      if (this.focusDate) this.onPick(this.focusDate);
      return;
    } else if (event.key === "Escape") {
      this.onEscape();
      return;
    } else return;
    event.preventDefault();
    this.moveTo(this.dates[Math.max(0, Math.min(this.dates.length - 1, next))]);
  }

  moveTo(date) {
    this.focusDate = date;
    const c = this.byDate.get(date);
    if (this.live) this.live.textContent = dayLabel(c);
    if (this.options.view === "3d") {
      this.hover = this.bars.find((b) => b.c.date === date) || null;
      this.paint();
    } else {
      for (const rect of this.root.querySelectorAll("rect.day[tabindex='0']")) rect.setAttribute("tabindex", "-1");
      const rect = this.root.querySelector(`rect.day[data-date="${date}"]`);
      rect.setAttribute("tabindex", "0");
      rect.focus();
      rect.scrollIntoView?.({ block: "nearest", inline: "nearest" });
    }
    const point = this.pointFor(date);
    if (point) dayTip(point.x, point.y, c);
  }

  draw2d() {
    const { metric, colours } = this.options;
    // Cells of a fixed size (a little larger on a wide screen); a narrow screen scrolls sideways.
    const room = this.root.clientWidth - LEFT - 4;
    const pitch = Math.max(13, Math.min(20, Math.floor(room / this.weeks)));
    const cell = pitch - 3;
    const width = LEFT + this.weeks * pitch, height = TOP + 7 * pitch;
    const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "calendar-2d", role: "grid",
      "aria-label": `Contribution calendar ${this.doc.meta.year}, by ${metric}`, "aria-readonly": "true" });
    for (const c of this.doc.contributions) {
      const d = parseDay(c.date);
      if (d.getUTCDate() === 1 && c.week < this.weeks - 1) {
        svg.append(s("text", { x: LEFT + c.week * pitch, y: TOP - 6, class: "label", "aria-hidden": "true" },
          monthName(d.getUTCMonth())));
      }
    }
    for (const [row, name] of [[1, "Mon"], [3, "Wed"], [5, "Fri"]]) {
      svg.append(s("text", { x: 0, y: TOP + row * pitch + cell - 2, class: "label", "aria-hidden": "true" }, name));
    }
    const rows = Array.from({ length: 7 }, () => s("g", { role: "row" }));
    for (const c of this.doc.contributions) {
      const level = c[LEVEL[metric]];
      const cls = ["day", allUnpriced(c) ? "unpriced" : "", c.date === this.selected ? "selected" : ""];
      rows[c.weekday].append(s("rect", {
        class: cls.join(" ").trim(), x: LEFT + c.week * pitch, y: TOP + c.weekday * pitch, width: cell,
        height: cell, rx: 2, fill: colours[level], "data-date": c.date, "data-level": level, role: "gridcell",
        tabindex: c.date === this.focusDate ? "0" : "-1", "aria-label": dayLabel(c),
        "aria-selected": c.date === this.selected ? "true" : "false",
      }));
    }
    svg.append(...rows);
    svg.addEventListener("mousemove", (event) => {
      const date = event.target.dataset && event.target.dataset.date;
      if (date) dayTip(event.clientX, event.clientY, this.byDate.get(date)); else hideTip();
    });
    svg.addEventListener("mouseleave", hideTip);
    svg.addEventListener("click", (event) => {
      const date = event.target.dataset && event.target.dataset.date;
      if (date) { this.focusDate = date; this.onPick(date); }
    });
    svg.addEventListener("keydown", (event) => this.key(event));
    svg.addEventListener("focusout", hideTip);
    this.root.append(svg);
    // The newest weeks in view on a narrow screen, as GitHub does.
    this.root.scrollLeft = this.root.scrollWidth;
  }

  // 3D: weeks run along u (to the right, slightly down), weekdays along v (down-left, towards the viewer);
  // each day is a bar whose height follows its cost (or tokens) relative to the busiest day. The canvas is
  // as wide as its card and exactly as tall as the bars need.
  draw3d() {
    const canvas = this.canvas = document.createElement("canvas");
    canvas.className = "calendar-3d";
    canvas.tabIndex = 0;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `3D contribution calendar ${this.doc.meta.year}: arrow keys move between days`);
    this.root.append(canvas);
    const pad = 10, width = Math.max(240, this.root.clientWidth);
    const unit = (width - 2 * pad) / (this.weeks + 7 * 0.55);
    const u = [unit, unit * 0.2], v = [-unit * 0.55, unit * 0.46], maxH = Math.min(150, unit * 7);
    const key = VALUE[this.options.metric];
    const top = Math.max(0, ...this.doc.contributions.map((c) => c[key] || 0));
    const gap = 0.12;  // of a cell, between neighbouring bars
    const at = (c, r) => [pad + 7 * unit * 0.55 + c * u[0] + r * v[0], c * u[1] + r * v[1]];
    let bars = this.doc.contributions.map((c) => {
      const [c0, r0, c1, r1] = [c.week + gap / 2, c.weekday + gap / 2, c.week + 1 - gap / 2, c.weekday + 1 - gap / 2];
      const base = [at(c0, r0), at(c1, r0), at(c1, r1), at(c0, r1)];
      const lift = c.requests ? Math.max(3, (top ? (c[key] || 0) / top : 0) * maxH) : 1.5;
      return { c, base, lift };
    });
    const highest = Math.min(...bars.map((b) => Math.min(...b.base.map(([, y]) => y)) - b.lift));
    const lowest = Math.max(...bars.map((b) => Math.max(...b.base.map(([, y]) => y))));
    const shift = pad + 8 - highest;  // hover lifts a bar by 6 px: room for it above the tallest
    bars = bars.map((b) => {
      const base = b.base.map(([x, y]) => [x, y + shift]);
      const up = base.map(([x, y]) => [x, y - b.lift]);
      const centre = [(up[0][0] + up[2][0]) / 2, (up[0][1] + up[2][1]) / 2];
      return { c: b.c, base, up, centre, depth: base[2][1], outline: [up[0], up[1], base[1], base[2], base[3], up[3]] };
    }).sort((a, b) => a.depth - b.depth || a.base[0][0] - b.base[0][0]);
    this.bars = bars;
    const height = Math.ceil(lowest + shift + 22);
    const ratio = window.devicePixelRatio || 1;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    this.ctx = canvas.getContext("2d");
    this.ctx.scale(ratio, ratio);
    this.size = { width, height };
    this.paint();

    canvas.addEventListener("mousemove", (event) => {
      const bar = this.hit(event);
      if (bar !== this.hover) { this.hover = bar; this.paint(); }
      if (bar) dayTip(event.clientX, event.clientY, bar.c); else hideTip();
      canvas.style.cursor = bar ? "pointer" : "default";
    });
    canvas.addEventListener("mouseleave", () => { this.hover = null; this.paint(); hideTip(); });
    canvas.addEventListener("click", (event) => {
      const bar = this.hit(event);
      if (bar) { this.focusDate = bar.c.date; this.onPick(bar.c.date); }
    });
    canvas.addEventListener("keydown", (event) => this.key(event));
    canvas.addEventListener("focus", () => { if (this.focusDate) this.moveTo(this.focusDate); });
    canvas.addEventListener("blur", () => { this.hover = null; this.paint(); hideTip(); });
  }

  hit(event) {
    const box = this.canvas.getBoundingClientRect();
    const px = event.clientX - box.left, py = event.clientY - box.top;
    for (let i = this.bars.length - 1; i >= 0; i--) {  // front-most first
      const poly = this.bars[i].outline;
      let inside = false;
      for (let j = 0, k = poly.length - 1; j < poly.length; k = j++) {
        const [xj, yj] = poly[j], [xk, yk] = poly[k];
        if ((yj > py) !== (yk > py) && px < ((xk - xj) * (py - yj)) / (yk - yj) + xj) inside = !inside;
      }
      if (inside) return this.bars[i];
    }
    return null;
  }

  paint() {
    const { ctx } = this;
    const { width, height } = this.size;
    const { colours, metric } = this.options;
    const style = getComputedStyle(document.documentElement);
    const accent = style.getPropertyValue("--accent").trim() || "#2f81f7";
    const polygon = (points, fill) => {
      ctx.beginPath();
      points.forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
      ctx.closePath();
      ctx.fillStyle = fill;
      ctx.fill();
    };
    ctx.clearRect(0, 0, width, height);
    for (const bar of this.bars) {
      const { c, base } = bar;
      const colour = colours[c[LEVEL[metric]]];
      const hovered = bar === this.hover, lit = hovered || c.date === this.selected;
      // The bar under the pointer (or the keyboard) stands out: lifted, brighter, outlined.
      const up = hovered ? bar.up.map(([x, y]) => [x, y - 6]) : bar.up;
      polygon([up[3], up[2], base[2], base[3]], shade(colour, lit ? 1 : 0.78));  // front
      polygon([up[1], up[2], base[2], base[1]], shade(colour, lit ? 0.85 : 0.62));  // right
      polygon(up, lit ? shade(colour, 1.35) : colour);
      if (lit) {
        ctx.strokeStyle = accent;
        ctx.lineWidth = hovered ? 2.5 : 2;
        ctx.beginPath();
        [up[0], up[1], base[1], base[2], base[3], up[3]].forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
        ctx.closePath();
        ctx.stroke();
      }
    }
    ctx.fillStyle = style.getPropertyValue("--muted").trim() || "#888";
    ctx.font = "11px system-ui, sans-serif";
    const front = new Map(this.bars.filter((b) => b.c.weekday === 6).map((b) => [b.c.week, b]));
    for (const bar of this.bars) {
      const d = parseDay(bar.c.date);
      if (d.getUTCDate() !== 1) continue;
      const anchor = front.get(bar.c.week) || bar;  // the front edge of the month's first week
      ctx.fillText(monthName(d.getUTCMonth()), anchor.base[3][0], anchor.base[3][1] + 16);
    }
  }
}
