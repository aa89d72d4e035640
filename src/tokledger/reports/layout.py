"""Tables that fit the terminal: columns laid out for the width they get, every row on one line.

A table is a list of :class:`Column` s. :func:`fit` tries, in this order, until the table fits:

1. every column, long headers, then short headers (``Cache write`` → ``Cache W``), the flexible columns —
   ids, paths, model lists — cut with "…" down to a comfortable width if need be (paths from the left, so
   the project's own name stays; ids and names from the right);
2. the compact view (as ccusage's ``--compact``): the columns marked ``full_only`` left out; then the terse
   cells (``1.2M`` for ``1,234,567``, times without the year); then both with the flexible columns cut to
   their least width;
3. the columns marked ``drop`` left out, lowest first.

Whatever room is left goes to the flexible columns, up to their natural width. :func:`draw` turns the
chosen layout into a Rich table of plain :class:`~rich.text.Text` cells (no markup is read from them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.cells import cell_len

ELLIPSIS = "…"


@dataclass
class Column:
    name: str
    short: str
    cells: list[str]
    footer: str = ""
    justify: str = "right"
    cut: str | None = None
    """``"end"`` or ``"start"``: a flexible column, cut there with "…" to fit; None: never cut."""
    least: int = 0
    """The narrowest a flexible column gets."""
    comfort: int = 0
    """The width a flexible column is given before the compact view is squeezed further (default: ``least``)."""
    full_only: bool = False
    """Left out of the compact view."""
    terse: list[str] | None = None
    """Shorter cells for the tightest layouts (the footer's is ``terse_footer``)."""
    terse_footer: str | None = None
    drop: int = 0
    """When even the terse compact view is too wide, columns are left out by this number, lowest first
    (0: never)."""
    styles: list[str | None] | None = None
    """A style per cell."""

    def texts(self, terse: bool) -> tuple[list[str], str]:
        if terse and self.terse is not None:
            return self.terse, self.footer if self.terse_footer is None else self.terse_footer
        return self.cells, self.footer

    def natural(self, short: bool, terse: bool) -> int:
        cells, footer = self.texts(terse)
        header = self.short if short else self.name
        return max(cell_len(header), cell_len(footer), *(cell_len(c) for c in cells), 1)


@dataclass
class Layout:
    columns: list[Column]
    widths: list[int]
    short: bool = False
    terse: bool = False
    compact: bool = False
    left_out: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return table_width(self.widths)


def table_width(widths: list[int]) -> int:
    """Columns plus one space each side and the rules between and around them (Rich's default box)."""
    return sum(widths) + 3 * len(widths) + 1


def cut(text: str, width: int, where: str | None = "end") -> str:
    """``text`` in ``width`` terminal cells, cut with "…" at the end or, for ``"start"``, at the start."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    if where == "start":
        kept = ""
        for ch in reversed(text):
            if cell_len(ch + kept) > width - 1:
                break
            kept = ch + kept
        return ELLIPSIS + kept
    kept = ""
    for ch in text:
        if cell_len(kept + ch) > width - 1:
            break
        kept += ch
    return kept + ELLIPSIS


def _widths(cols: list[Column], width: int, short: bool, terse: bool, roomy: bool) -> list[int] | None:
    natural = [c.natural(short, terse) for c in cols]
    floor = [max(1, c.comfort or c.least) if roomy else max(1, c.least) for c in cols]
    widths = [min(n, f) if c.cut else n for c, n, f in zip(cols, natural, floor, strict=True)]
    spare = width - table_width(widths)
    if spare < 0:
        return None
    while spare > 0:  # a cell at a time to each flexible column still short of its natural width, in turn
        lacking = [i for i, c in enumerate(cols) if c.cut and widths[i] < natural[i]]
        if not lacking:
            break
        for i in lacking[:spare]:
            widths[i] += 1
            spare -= 1
    return widths


def fit(columns: list[Column], width: int, compact: bool = False) -> Layout:
    """The first layout of the module's list that fits ``width`` (``compact``: start at the compact view)."""
    names = [c.name for c in columns]

    def layout(cols, short, terse, view):
        return Layout(cols, widths, short, terse, view, [n for n in names if n not in {c.name for c in cols}])

    if not compact:
        for short in (False, True):
            widths = _widths(columns, width, short, False, True)
            if widths is not None:
                return layout(columns, short, False, False)
    cols = [c for c in columns if not c.full_only]
    for roomy, terse in ((True, False), (True, True), (False, False), (False, True)):
        widths = _widths(cols, width, True, terse, roomy)
        if widths is not None:
            return layout(cols, True, terse, True)
    for col in sorted((c for c in cols if c.drop), key=lambda c: c.drop):
        cols = [c for c in cols if c is not col]
        widths = _widths(cols, width, True, True, False)
        if widths is not None:
            return layout(cols, True, True, True)
    widths = [max(1, c.least) if c.cut else c.natural(True, True) for c in cols]
    return layout(cols, True, True, True)


def draw(layout: Layout, line_styles: list[str | None], *, title: str | None = None, footer: bool = True):
    """The Rich table of a layout: one line per cell row, and a bold footer row."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, show_footer=footer, header_style="bold", footer_style="bold")
    for col, w in zip(layout.columns, layout.widths, strict=True):
        _, footer = col.texts(layout.terse)
        table.add_column(col.short if layout.short else col.name, footer=cut(footer, w, col.cut),
                         justify=col.justify, width=w, no_wrap=True, overflow="crop")  # fmt: skip
    for i, style in enumerate(line_styles):
        cells = []
        for col, w in zip(layout.columns, layout.widths, strict=True):
            texts, _ = col.texts(layout.terse)
            cells.append(Text(cut(texts[i], w, col.cut), style=(col.styles[i] if col.styles else None) or ""))
        table.add_row(*cells, style=style)
    return table
