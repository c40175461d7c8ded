"""PNG charts drawn with matplotlib's Agg canvas (no pyplot, no GUI, thread-safe).

Chinese labels need a CJK font: the Noto Sans CJK family from fonts-noto-cjk, found
through matplotlib's font manager.
"""

from __future__ import annotations

import io
import warnings
from contextlib import contextmanager
from functools import lru_cache

from flask_babel import gettext as _

from portal.web import CHINA

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei")
#: Tick labels in Chinese date style: year, month, day, then times within a day.
DATE_FORMATS = ["%Y年", "%m月", "%d日", "%H:%M", "%H:%M", "%H:%M:%S"]
OFFSET_FORMATS = ["", "%Y年", "%Y年%m月", "%Y年%m月%d日", "%Y年%m月%d日", "%Y年%m月%d日 %H:%M"]


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
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
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
                color="#5b6475", transform=ax.get_yaxis_transform())  # fmt: skip
    if rows:
        times = [r[0].astimezone(CHINA).replace(tzinfo=None) for r in rows]
        scores = [float(r[1]) for r in rows]
        ax.step(times, scores, where="post", color="#0b5cad", linewidth=1.8)
        ax.plot(times[-1:], scores[-1:], "o", color="#0b5cad")
        # The label goes below a point in the upper half, above one in the lower half.
        below = scores[-1] > top / 2
        ax.annotate(f"{rows[-1][2]}  {scores[-1]:g}", (times[-1], scores[-1]),
                    textcoords="offset points", xytext=(-10, -8 if below else 8),
                    ha="right", va="top" if below else "bottom")  # fmt: skip
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(
            ConciseDateFormatter(locator, formats=DATE_FORMATS, offset_formats=OFFSET_FORMATS)
        )
    else:
        ax.set_xticks([])
        ax.text(0.5, 0.5, _("暂无评价记录"), transform=ax.transAxes, ha="center")
    ax.set_title(title)
    ax.set_ylabel(_("信用评分"))
    ax.grid(axis="y", alpha=0.2)
    fig.tight_layout()
    return fig
