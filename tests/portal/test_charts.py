"""The score chart's figure: labels inside the plot, readable ticks, a title that fits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from matplotlib.dates import num2date

from portal.charts import chart_style, grade_history_figure
from portal.rules import credit_rulebook

T0 = datetime(2026, 3, 5, 4, 26, 29, tzinfo=UTC)


@pytest.fixture
def draw(app):
    """Build and draw the chart; yield (figure, axes, renderer)."""

    def build(rows, title="本机构信用评分变化"):
        fig = grade_history_figure(rows, credit_rulebook(), title)
        fig.canvas.draw()
        return fig, fig.axes[0], fig.canvas.get_renderer()

    with app.test_request_context(), chart_style():
        yield build


def _rows(*steps: timedelta, start: float = 100):
    return [(T0 + step, Decimal(start - 3 * i), "A") for i, step in enumerate(steps)]


def _tick_labels(ax) -> list[str]:
    low, high = ax.get_xlim()
    return [t.label1.get_text() for t in ax.xaxis.get_major_ticks() if low <= t.get_loc() <= high]


def _inside(inner, outer) -> bool:
    return (
        inner.x0 >= outer.x0
        and inner.x1 <= outer.x1
        and inner.y0 >= outer.y0
        and inner.y1 <= outer.y1
    )


@pytest.mark.parametrize("score", [100, 96, 50, 2])
def test_point_label_stays_inside_the_plot_and_off_the_title(draw, score):
    fig, ax, renderer = draw([(T0, Decimal(score), "A")])
    (label,) = ax.texts[-1:]
    assert label.get_text() == f"A  {score}"
    box = label.get_window_extent(renderer)
    assert _inside(box, ax.get_window_extent(renderer))
    assert not box.overlaps(ax.title.get_window_extent(renderer))


def test_single_point_gets_a_few_days_either_side(draw):
    fig, ax, renderer = draw(_rows(timedelta(0)))
    low, high = (num2date(x) for x in ax.get_xlim())
    assert timedelta(days=2) <= high - low <= timedelta(days=14)
    labels = _tick_labels(ax)
    assert len(labels) >= 3 and len(set(labels)) == len(labels)
    assert all(label.endswith("日") or label.endswith("月") for label in labels)


@pytest.mark.parametrize(
    "step",
    [
        timedelta(milliseconds=100),  # within one second
        timedelta(seconds=7),  # within one minute
        timedelta(minutes=40),  # within one hour
        timedelta(hours=3),  # within one day
        timedelta(hours=20),  # within a week
        timedelta(days=6),  # "15日" of two months
        timedelta(days=30),
        timedelta(days=80),  # "03月" of two years
        timedelta(days=400),
    ],
)
def test_tick_labels_are_never_repeated(draw, step):
    fig, ax, renderer = draw(_rows(*(step * i for i in range(6))))
    labels = _tick_labels(ax)
    assert len(labels) >= 2
    assert len(set(labels)) == len(labels), labels


def test_long_facility_name_in_the_title_is_wrapped_to_fit(draw):
    name = "某某市某某区人民医院医疗集团第一分院附属社区卫生服务中心门诊部（原某某街道卫生院）"
    fig, ax, renderer = draw(_rows(timedelta(0), timedelta(days=30)), f"{name} 信用评分变化")
    title = ax.title
    assert title.get_text() == f"{name}\n信用评分变化"
    assert _inside(title.get_window_extent(renderer), fig.bbox)
    assert not title.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))


def test_overlong_title_ends_with_an_ellipsis_within_two_lines(draw):
    fig, ax, renderer = draw([], "医" * 200 + " 信用评分变化")
    text = ax.title.get_text()
    assert text.count("\n") == 1 and text.endswith("…")
    assert _inside(ax.title.get_window_extent(renderer), fig.bbox)


def test_short_title_is_left_alone(draw):
    fig, ax, renderer = draw([], "通州区测试医院 信用评分变化")
    assert ax.title.get_text() == "通州区测试医院 信用评分变化"
    assert "暂无评价记录" in [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("name", ["测试医院$\\frac{$", "测试医院$x^2$", "$$ 医院 $"])
def test_dollar_signs_in_a_facility_name_are_drawn_literally(draw, name):
    """A facility name is data, not matplotlib math text: an unbalanced ``$…$`` must not
    break the chart and a balanced one must not turn into a formula."""
    title = f"{name} 信用评分变化"
    fig, ax, renderer = draw(_rows(timedelta(0), timedelta(days=30)), title)
    assert ax.title.get_text() == title
    assert not ax.title.get_parse_math()
    assert all(not t.get_parse_math() for t in ax.texts)
    assert not ax.yaxis.label.get_parse_math()
