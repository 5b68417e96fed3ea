"""Charts as inline SVG, drawn on the server: no script, no font or file from the internet.

Each function takes plain numbers and labels and returns markup safe to put in
a page. Every mark carries `class` and `data-value`, and a `<title>` a reader
sees on hover, so a browser test can check what was drawn.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ("#2563eb", "#f97316", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04")
WIDTH = 640
LABEL_WIDTH = 150
ROW_HEIGHT = 30
PLOT_HEIGHT = 200
MARGIN = 36
CHARACTER_WIDTH = 6
SLANT_ROOM = 70
Series = Sequence[tuple[str, Sequence[float | None]]]


def horizontal_bars(items: Sequence[tuple[str, int]], caption: str) -> Markup:
    """One bar a row, longest for the largest value (a funnel reads top to bottom)."""
    if not any(value for _, value in items):
        return _empty(caption)
    top = max(value for _, value in items)
    span = WIDTH - LABEL_WIDTH - 70
    marks = []
    for index, (label, value) in enumerate(items):
        y = index * ROW_HEIGHT + 6
        length = span * value / top
        marks.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" data-value="{value}" x="{LABEL_WIDTH}" y="{y}" '
            f'width="{length:.1f}" height="{ROW_HEIGHT - 8}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {value}</title></rect>"
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 17}">{value}</text>'
        )
    return _svg(caption, len(items) * ROW_HEIGHT + 8, "".join(marks))


def grouped_bars(categories: Sequence[str], series: Series, caption: str) -> Markup:
    """Vertical bars, one group per category and one colour per series, with a legend."""
    values = [value or 0 for _, points in series for value in points]
    if not any(values):
        return _empty(caption)
    top = max(values)
    slot = (WIDTH - 2 * MARGIN) / max(len(categories), 1)
    bar = slot * 0.8 / max(len(series), 1)
    slanted = max(map(len, categories), default=0) * CHARACTER_WIDTH > slot
    marks = [_axis(f"{top:g}")]
    for c, category in enumerate(categories):
        left = MARGIN + c * slot + slot * 0.1
        for s, (name, points) in enumerate(series):
            value = points[c] or 0
            height = PLOT_HEIGHT * value / top
            marks.append(
                f'<rect class="bar" data-value="{value:g}" x="{left + s * bar:.1f}" '
                f'y="{MARGIN + PLOT_HEIGHT - height:.1f}" width="{bar * 0.9:.1f}" '
                f'height="{height:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(category)}, {escape(name)}: {value:g}</title></rect>"
            )
        marks.append(_category_label(left + slot * (0.8 if slanted else 0.4), category, slanted))
    extra = SLANT_ROOM if slanted else 0
    marks.append(_legend([name for name, _ in series], extra))
    return _svg(caption, PLOT_HEIGHT + 2 * MARGIN + 40 + extra, "".join(marks))


def line_chart(x_labels: Sequence[str], series: Series, caption: str) -> Markup:
    """Rates from 0 to 100% over time, one line per series; a missing value breaks the line."""
    if not any(value is not None for _, points in series for value in points):
        return _empty(caption)
    step = (WIDTH - 2 * MARGIN) / max(len(x_labels) - 1, 1)
    marks = [_axis("100%")]
    for s, (name, points) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        path, pen_down = [], False
        for i, value in enumerate(points):
            if value is None:
                pen_down = False
                continue
            x, y = MARGIN + i * step, MARGIN + PLOT_HEIGHT * (1 - value)
            path.append(f"{'L' if pen_down else 'M'}{x:.1f},{y:.1f}")
            pen_down = True
            marks.append(
                f'<circle class="point" data-value="{value:.4f}" cx="{x:.1f}" cy="{y:.1f}" '
                f'r="3.5" fill="{colour}"><title>{escape(x_labels[i])}, {escape(name)}: '
                f"{value:.1%}</title></circle>"
            )
        marks.append(
            f'<path class="series" d="{" ".join(path)}" fill="none" stroke="{colour}" '
            f'stroke-width="2"/>'
        )
    label_every = max(1, len(x_labels) // 8)
    for i, label in enumerate(x_labels):
        if i % label_every == 0:
            marks.append(_category_label(MARGIN + i * step, label))
    marks.append(_legend([name for name, _ in series]))
    return _svg(caption, PLOT_HEIGHT + 2 * MARGIN + 40, "".join(marks))


def _svg(caption: str, height: float, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" role="img" aria-label="{escape(caption)}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="12" font-family="sans-serif">'
        f"<title>{escape(caption)}</title>{body}</svg>"
    )


def _empty(caption: str) -> Markup:
    return Markup(f'<p class="empty">{escape(caption)}: no data in this period.</p>')


def _axis(top_label: str) -> str:
    bottom = MARGIN + PLOT_HEIGHT
    return (
        f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{bottom}" stroke="#999"/>'
        f'<line x1="{MARGIN}" y1="{bottom}" x2="{WIDTH - MARGIN}" y2="{bottom}" stroke="#999"/>'
        f'<text x="{MARGIN - 4}" y="{MARGIN + 4}" text-anchor="end">{escape(top_label)}</text>'
        f'<text x="{MARGIN - 4}" y="{bottom}" text-anchor="end">0</text>'
    )


def _category_label(x: float, label: str, slanted: bool = False) -> str:
    """A label under the x axis; slanted when the labels would run into each other."""
    y = MARGIN + PLOT_HEIGHT + 16
    if slanted:
        return (
            f'<text x="{x:.1f}" y="{y}" text-anchor="end" font-size="10" '
            f'transform="rotate(-35 {x:.1f} {y})">{escape(label)}</text>'
        )
    return f'<text x="{x:.1f}" y="{y}" text-anchor="middle" font-size="10">{escape(label)}</text>'


def _legend(names: Sequence[str], below: float = 0) -> str:
    y = MARGIN + PLOT_HEIGHT + 34 + below
    items = []
    for s, name in enumerate(names):
        x = MARGIN + s * 150
        items.append(
            f'<rect x="{x}" y="{y - 9}" width="10" height="10" '
            f'fill="{PALETTE[s % len(PALETTE)]}"/><text x="{x + 14}" y="{y}">{escape(name)}</text>'
        )
    return "".join(items)
