// The contribution calendar of /api/graph: a 2D SVG grid (weeks × weekdays, Sunday first) or 3D isometric
// bars on a canvas. Either view shows the day's tooltip on hover and reports a click on a day.

import { allUnpriced, dayTip, hideTip, monthName, parseDay, s } from "./format.js";

const CELL = 11, PITCH = 14, LEFT = 30, TOP = 18;
const LEVEL = { cost: "intensity", tokens: "intensity_tokens" };
const VALUE = { cost: "cost_usd_priced", tokens: "total_tokens" };

function shade(hex, factor) {
  const n = parseInt(hex.slice(1), 16);
  const ch = (v) => Math.max(0, Math.min(255, Math.round(v * factor)));
  return `rgb(${ch(n >> 16)}, ${ch((n >> 8) & 255)}, ${ch(n & 255)})`;
}

export class Calendar {
  constructor(root, { onPick }) {
    this.root = root;
    this.onPick = onPick;
    this.selected = null;
    this.hover = null;
    this.doc = null;
  }

  render(doc, options) {
    this.doc = doc;
    this.options = options;  // {view, metric, colours: [5 colours], theme}
    this.byDate = new Map(doc.contributions.map((c) => [c.date, c]));
    this.weeks = doc.contributions.length ? doc.contributions.at(-1).week + 1 : 53;
    this.root.replaceChildren();
    this.root.dataset.view = options.view;
    if (options.view === "3d") this.draw3d(); else this.draw2d();
  }

  select(date) {
    this.selected = date;
    if (!this.doc) return;
    if (this.options.view === "3d") this.paint();
    else for (const rect of this.root.querySelectorAll("rect.day")) {
      rect.classList.toggle("selected", rect.dataset.date === date);
    }
  }

  // The viewport point at the middle of a day's cell (or bar top), for keyboard focus and tests.
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

  draw2d() {
    const { metric, colours } = this.options;
    const width = LEFT + this.weeks * PITCH, height = TOP + 7 * PITCH;
    const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "calendar-2d", role: "grid",
      "aria-label": `Contribution calendar ${this.doc.meta.year}` });
    for (const c of this.doc.contributions) {
      const d = parseDay(c.date);
      if (d.getUTCDate() === 1 && c.week < this.weeks - 1) {
        svg.append(s("text", { x: LEFT + c.week * PITCH, y: TOP - 6, class: "label" }, monthName(d.getUTCMonth())));
      }
    }
    for (const [row, name] of [[1, "Mon"], [3, "Wed"], [5, "Fri"]]) {
      svg.append(s("text", { x: 0, y: TOP + row * PITCH + 9, class: "label" }, name));
    }
    for (const c of this.doc.contributions) {
      const level = c[LEVEL[metric]];
      const cls = ["day", allUnpriced(c) ? "unpriced" : "", c.date === this.selected ? "selected" : ""];
      svg.append(s("rect", {
        class: cls.join(" ").trim(), x: LEFT + c.week * PITCH, y: TOP + c.weekday * PITCH, width: CELL,
        height: CELL, rx: 2, fill: colours[level], "data-date": c.date, "data-level": level,
      }));
    }
    svg.addEventListener("mousemove", (event) => {
      const date = event.target.dataset && event.target.dataset.date;
      if (date) dayTip(event.clientX, event.clientY, this.byDate.get(date)); else hideTip();
    });
    svg.addEventListener("mouseleave", hideTip);
    svg.addEventListener("click", (event) => {
      const date = event.target.dataset && event.target.dataset.date;
      if (date) this.onPick(date);
    });
    this.root.append(svg);
  }

  // 3D: weeks run along u (to the right, slightly down), weekdays along v (down-left, towards the viewer);
  // each day is a bar whose height follows its cost (or tokens) relative to the busiest day.
  draw3d() {
    const canvas = this.canvas = document.createElement("canvas");
    canvas.className = "calendar-3d";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `3D contribution calendar ${this.doc.meta.year}`);
    this.root.append(canvas);
    const pad = 16, width = Math.max(480, this.root.clientWidth);
    const unit = (width - 2 * pad) / (this.weeks + 7 * 0.55);
    const u = [unit, unit * 0.2], v = [-unit * 0.55, unit * 0.46], maxH = Math.min(150, unit * 7);
    const ox = pad + 7 * unit * 0.55, oy = pad + maxH;
    const height = Math.ceil(oy + this.weeks * u[1] + 7 * v[1] + 26);
    const ratio = window.devicePixelRatio || 1;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    this.ctx = canvas.getContext("2d");
    this.ctx.scale(ratio, ratio);
    this.size = { width, height };

    const key = VALUE[this.options.metric];
    const top = Math.max(0, ...this.doc.contributions.map((c) => c[key] || 0));
    const gap = 0.12;  // of a cell, between neighbouring bars
    const at = (c, r) => [ox + c * u[0] + r * v[0], oy + c * u[1] + r * v[1]];
    this.bars = this.doc.contributions.map((c) => {
      const [c0, r0, c1, r1] = [c.week + gap / 2, c.weekday + gap / 2, c.week + 1 - gap / 2, c.weekday + 1 - gap / 2];
      const base = [at(c0, r0), at(c1, r0), at(c1, r1), at(c0, r1)];
      const lift = c.requests ? Math.max(3, (top ? (c[key] || 0) / top : 0) * maxH) : 1.5;
      const up = base.map(([x, y]) => [x, y - lift]);
      const centre = [(up[0][0] + up[2][0]) / 2, (up[0][1] + up[2][1]) / 2];
      return { c, base, up, centre, depth: base[2][1], outline: [up[0], up[1], base[1], base[2], base[3], up[3]] };
    }).sort((a, b) => a.depth - b.depth || a.base[0][0] - b.base[0][0]);
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
      if (bar) this.onPick(bar.c.date);
    });
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
    const polygon = (points, fill) => {
      ctx.beginPath();
      points.forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
      ctx.closePath();
      ctx.fillStyle = fill;
      ctx.fill();
    };
    ctx.clearRect(0, 0, width, height);
    for (const bar of this.bars) {
      const { c, base, up } = bar;
      const colour = colours[c[LEVEL[metric]]];
      const lit = bar === this.hover || c.date === this.selected;
      polygon([up[3], up[2], base[2], base[3]], shade(colour, 0.78));  // front
      polygon([up[1], up[2], base[2], base[1]], shade(colour, 0.62));  // right
      polygon(up, lit ? shade(colour, 1.2) : colour);
      if (lit) {
        ctx.strokeStyle = style.getPropertyValue("--accent").trim() || "#2f81f7";
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        bar.outline.forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
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
