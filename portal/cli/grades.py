"""``medcredit grades recompute``: every facility's grade, in batches, with a progress bar."""

from __future__ import annotations

import os
from datetime import date

import click

from portal.operations.credit_batch import BATCH_SIZE

#: Processes for ``grades recompute`` on PostgreSQL (the command's own and workers): the
#: CPUs, at most four.
DEFAULT_JOBS = min(os.cpu_count() or 1, 4)


@click.group("grades")
def grades_group() -> None:
    """Facility credit grades."""


@grades_group.command("recompute")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="date to compute at (YYYY-MM-DD, China time; default today)",
)
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--jobs",
    default=DEFAULT_JOBS,
    show_default=True,
    type=click.IntRange(1, 64),
    help="processes on PostgreSQL, this one and N-1 workers (SQLite always uses one)",
)
def grades_recompute(as_of, batch_size: int, jobs: int) -> None:
    """Recompute every facility's grade; each computation is added to the history and
    each batch is committed on its own."""
    from portal.extensions import db
    from portal.operations.audit import record_audit
    from portal.operations.credit import all_facility_ids, latest_computation_day
    from portal.operations.credit_batch import recompute_all
    from portal.web import china_today

    today = china_today()
    day: date = as_of.date() if as_of else today
    if day > today:
        # The result would be the current grade until that day, and every run before
        # it would be refused as dated back.
        raise click.ClickException(
            f"--as-of {day.isoformat()} 晚于今天（{today.isoformat()}）："
            "不能按将来的日期计算信用等级"
        )
    latest = latest_computation_day()
    if latest is not None and day < latest:
        # Each computation also sets the facility's current grade: a run dated before
        # the latest would put an outdated grade in its place (and tell the facility).
        raise click.ClickException(
            f"--as-of {day.isoformat()} 早于最近一次计算的日期 {latest.isoformat()}："
            "按过去的日期重算会以过时的结果改写机构的当前等级，已拒绝"
        )
    label = f"重新计算信用等级（{day.isoformat()}）"
    ids = all_facility_ids()
    with click.progressbar(length=len(ids), label=label) as bar:
        total, changed = recompute_all(
            day, batch_size, progress=bar.update, jobs=jobs, facility_ids=ids
        )
    record_audit(
        None,
        "credit.recompute_all",
        "credit_batch",
        day.isoformat(),
        after={"as_of": day.isoformat(), "facilities": total, "changed": changed},
    )
    db.session.commit()
    click.echo(f"完成：共 {total} 家机构，{changed} 家等级发生变化。")
