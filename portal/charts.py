"""PNG charts drawn with matplotlib's Agg canvas (no pyplot, no GUI, thread-safe).

Chinese labels need a CJK font: the Noto Sans CJK family from fonts-noto-cjk, found
through matplotlib's font manager.

Every text drawn from data (facility names, grades, translated labels) is passed with
``parse_math=False``: matplotlib otherwise reads ``$…$`` as math text, so a ``$`` in a
facility name would render as a formula or, unbalanced, fail the whole chart.
"""

from __future__ import annotations

import io
import warnings
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import lru_cache

from flask_babel import gettext as _
from matplotlib.dates import num2date
from matplotlib.ticker import Formatter

from portal.web import CHINA

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei")
#: Date parts of tick labels, coarsest first; times of day follow them.
DATE_PARTS = ("%Y年", "%m月", "%d日")
#: Narrower spans than this are drawn over a window of this width around their middle,
#: so that a single computation, or several within seconds, get readable day ticks.
MIN_SPAN = timedelta(days=7)
#: Title lines at most; a longer title ends with an ellipsis.
TITLE_LINES = 2


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """The first CJK font family installed, or None."""
    from matplotlib import font_manager

    for family in CJK_FAMILIES:
        try:
            font_manager.findfont(
                font_manager.FontProperties(family=family), fallback_to_default=False
            )
        except ValueError:
            continue
        return family
    return None


@contextmanager
def chart_style():
    """The rc settings (CJK font) under which charts are built and rendered."""
    import matplotlib

    family = cjk_family()
    style = {"axes.unicode_minus": False}
    if family:
        style |= {"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"]}
    with matplotlib.rc_context(style), warnings.catch_warnings():
        # Without a CJK font matplotlib warns per missing glyph; the chart is still useful.
        warnings.simplefilter("ignore", UserWarning)
        yield


def grade_history_png(rows, rb, title: str) -> bytes:
    """The chart of :func:`grade_history_figure` as PNG bytes."""
    buffer = io.BytesIO()
    with chart_style():
        grade_history_figure(rows, rb, title).savefig(buffer, format="png")
    return buffer.getvalue()


def grade_history_figure(rows, rb, title: str):
    """Score over time (step line) with the grade bands; ``rows`` are
    (computed_at, score, grade) oldest first. Call under :func:`chart_style`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    # Headroom above the base score, so that the top line and its point stay clear of the frame.
    top = rb.base * 1.08
    ax.set_ylim(0, top)
    for band in rb.grades[:-1]:
        ax.axhline(band.min, color="#9aa5b4", linestyle="--", linewidth=0.8)
        ax.text(1.005, band.min, f"{band.grade}≥{band.min}", va="center", fontsize=8,
                color="#5b6475", transform=ax.get_yaxis_transform(),
                parse_math=False)  # fmt: skip
    if rows:
        times = [r[0].astimezone(CHINA).replace(tzinfo=None) for r in rows]
        scores = [float(r[1]) for r in rows]
        ax.step(times, scores, where="post", color="#0b5cad", linewidth=1.8)
        ax.plot(times[-1:], scores[-1:], "o", color="#0b5cad")
        # The label goes below a point in the upper half, above one in the lower half.
        below = scores[-1] > top / 2
        ax.annotate(f"{rows[-1][2]}  {scores[-1]:g}", (times[-1], scores[-1]),
                    textcoords="offset points", xytext=(-10, -8 if below else 8),
                    ha="right", va="top" if below else "bottom", parse_math=False)  # fmt: skip
        if times[-1] - times[0] < MIN_SPAN:
            # Ticks within a second would all read alike, and one point alone spans years.
            middle = times[0] + (times[-1] - times[0]) / 2
            ax.set_xlim(middle - MIN_SPAN / 2, middle + MIN_SPAN / 2)
        ax.xaxis.set_major_locator(AutoDateLocator(maxticks=7, interval_multiples=False))
        ax.xaxis.set_major_formatter(DistinctDateFormatter())
    else:
        ax.set_xticks([])
        ax.text(0.5, 0.5, _("暂无评价记录"), transform=ax.transAxes, ha="center", parse_math=False)
    heading = ax.set_title(title, parse_math=False)
    _fit_width(heading, fig.bbox.width * 0.94)
    ax.set_ylabel(_("信用评分"), parse_math=False)
    ax.grid(axis="y", alpha=0.2)
    fig.tight_layout()
    return fig


def _fit_width(text, width: float) -> None:
    """Wrap ``text`` (a matplotlib Text) into lines narrower than ``width`` pixels, at a space
    when one is near the end of a line, else between any two characters (Chinese has no
    spaces), ending with "…" past :data:`TITLE_LINES` lines."""
    renderer = text.figure.canvas.get_renderer()

    def fits(line: str) -> bool:
        text.set_text(line)
        return text.get_window_extent(renderer).width <= width

    rest = text.get_text()
    lines: list[str] = []
    while rest and len(lines) < TITLE_LINES:
        size = len(rest)
        while size > 1 and not fits(rest[:size]):
            size -= 1
        space = rest.rfind(" ", 0, size + 1)
        if size < len(rest) and len(lines) < TITLE_LINES - 1 and space > size // 2:
            size = space  # between a name and the words after it
        lines.append(rest[:size].strip())
        rest = rest[size:].strip()
    if rest:
        last = lines[-1]
        while last and not fits(last + "…"):
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    text.set_text("\n".join(lines))


class DistinctDateFormatter(Formatter):
    """Chinese date tick labels that never repeat one another.

    A label names the ticks' date from the coarsest part in which they differ down to the
    finest part that is not zero in one of them (so "15日" never stands for two months);
    the parts all ticks share go to the offset text under the axis.
    """

    def __init__(self):
        self.offset = ""

    def __call__(self, x, pos=None):
        return num2date(x).strftime("%Y年%m月%d日 %H:%M:%S")

    def get_offset(self):
        return self.offset

    def format_ticks(self, values):
        dates = [_tick_date(v) for v in values]
        shown = dates
        if self.axis is not None:  # ticks outside the view are not drawn: ignore them
            low, high = sorted(self.axis.get_view_interval())
            shown = [d for v, d in zip(values, dates, strict=True) if low <= v <= high] or dates
        if not shown:
            self.offset = ""
            return []
        labels, offset = date_labels(shown)
        self.offset = shown[0].strftime(offset) if offset else ""
        return [d.strftime(labels) for d in dates]


def _tick_date(value: float) -> datetime:
    """The naive wall-clock time of a tick, to the nearest second."""
    moment = num2date(value).replace(tzinfo=None) + timedelta(microseconds=500_000)
    return moment.replace(microsecond=0)


def date_labels(dates) -> tuple[str, str]:
    """The strftime formats of the tick labels and of the offset text for ``dates``."""
    # Levels: 0 year, 1 month, 2 day, 3 time of day.
    if any(d.second for d in dates):
        finest, clock = 3, "%H:%M:%S"
    elif any(d.hour or d.minute for d in dates):
        finest, clock = 3, "%H:%M"
    elif any(d.day != 1 for d in dates):
        finest, clock = 2, ""
    elif any(d.month != 1 for d in dates):
        finest, clock = 1, ""
    else:
        finest, clock = 0, ""
    parts = [(d.year, d.month, d.day) for d in dates]
    varying = next((i for i in range(3) if len({p[: i + 1] for p in parts}) > 1), 3)
    coarsest = min(varying, finest)
    label = "".join(DATE_PARTS[coarsest : finest + 1])
    label = f"{label} {clock}".strip()
    return label, "".join(DATE_PARTS[:coarsest])
