"""``medcredit calendar ...``: the official working-day calendar the deadlines follow."""

from __future__ import annotations

import click


@click.group("calendar")
def calendar_group() -> None:
    """Working-day calendar (official holiday schedule)."""


@calendar_group.command("show")
def calendar_show() -> None:
    """The years the calendar file holds, and the requests still waiting for a deadline."""
    from portal.operations.credit_deadlines import missing_deadlines
    from portal.rules import workday_calendar
    from portal.web import china_today

    years = sorted(workday_calendar().years)
    click.echo("工作日历包含年度：" + "、".join(str(y) for y in years))
    next_year = china_today().year + 1
    if next_year not in years:
        click.echo(f"提示：日历尚无 {next_year} 年节假日安排，期限跨入该年的将暂缓确定。")
    waiting = missing_deadlines()
    click.echo(
        f"等待日历更新的处理期限：异议 {waiting['credit_appeal']} 件，"
        f"信用修复申请 {waiting['credit_repair']} 件。"
    )


@calendar_group.command("fill-deadlines")
def calendar_fill_deadlines() -> None:
    """Work out the deadlines that waited for the calendar (after it gained a year)."""
    from portal.extensions import db
    from portal.operations.credit_deadlines import fill_missing_deadlines

    filled, missing = fill_missing_deadlines()
    db.session.commit()
    click.echo(f"已补定 {filled} 个处理期限；仍待日历更新的 {missing} 个。")
