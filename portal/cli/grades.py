"""``medcredit grades recompute``: every facility's grade, in batches, with a progress bar."""

from __future__ import annotations

from datetime import date

import click

from portal.extensions import db


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
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
def grades_recompute(as_of, batch_size: int) -> None:
    """Recompute every facility's grade; each computation is added to the history and
    each batch is committed on its own."""
    from portal.operations.credit import all_facility_ids, recompute_batch
    from portal.web import china_today

    day: date = as_of.date() if as_of else china_today()
    ids = all_facility_ids()
    changed = 0
    with click.progressbar(length=len(ids), label=f"重新计算信用等级（{day.isoformat()}）") as bar:
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            changed += recompute_batch(chunk, day)
            db.session.commit()
            bar.update(len(chunk))
    click.echo(f"完成：共 {len(ids)} 家机构，{changed} 家等级发生变化。")
