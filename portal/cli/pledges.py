"""``medcredit pledges ...`` and ``medcredit storage ...``."""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

import click
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

import pledges.render as pledge_render
from pledges.templates import load_sample, sample_name
from portal.extensions import db
from portal.models.pledges import Pledge, PledgeCampaign, PledgeTemplateKind
from portal.models.pledges import PledgeTemplateVersion as Version


def _fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


def register_pledge_commands(app: Flask) -> None:
    app.cli.add_command(pledges_group)
    app.cli.add_command(storage_group)


@click.group("pledges")
def pledges_group() -> None:
    """Integrity pledges (信用承诺书)."""


@pledges_group.command("issue-samples")
def issue_samples() -> None:
    """Issue version 1 of each template from the shipped sample text, where none exists."""
    from portal.operations.pledge_campaigns import issue_template_version

    for kind in PledgeTemplateKind:
        if db.session.scalar(select(Version.id).where(Version.kind == kind).limit(1)):
            click.echo(f"{kind.label}：已有模板版本，未签发")
            continue
        text = load_sample(kind.value)
        version = issue_template_version(
            None, kind, text.as_dict(), f"依据示例文本（{sample_name(kind.value)}）签发"
        )
        click.echo(f"已签发 {version.label}")
    db.session.commit()


def _render_jobs(campaign: PledgeCampaign, variants: list[str], base_url: str):
    """(pledge, variant, document) for every PDF of the campaign not yet in the cache."""
    from portal.operations.pledge_files import find_rendered, pledge_document
    from portal.storage import get_storage

    storage = get_storage()
    pledges = db.session.scalars(
        select(Pledge)
        .options(
            joinedload(Pledge.facility),
            joinedload(Pledge.campaign),
            joinedload(Pledge.template_version),
        )
        .where(Pledge.campaign_id == campaign.id)
        .order_by(Pledge.id)
    ).all()
    jobs, cached = [], 0
    for pledge in pledges:
        doc = pledge_document(pledge, base_url)
        for variant in variants:
            row = find_rendered(pledge, variant, doc)
            if row is not None and storage.exists(row.file_key):
                cached += 1
            else:
                jobs.append((pledge, variant, doc))
    return jobs, cached


@pledges_group.command("render-campaign")
@click.argument("campaign_id", type=int)
@click.option("--workers", type=int, default=None, help="worker processes (default: all cores)")
@click.option(
    "--variant",
    type=click.Choice(["pledge", "poster", "all"]),
    default="all",
    show_default=True,
    help="A4 pledge, poster or both",
)
@click.option("--base-url", default=None, help="public site address (default PUBLIC_BASE_URL)")
def render_campaign(campaign_id: int, workers: int | None, variant: str, base_url: str | None):
    """Render every pledge of a campaign into the cache, using all cores."""
    from portal.operations.pledge_files import save_rendered
    from portal.storage import commit_with_files

    campaign = db.session.get(PledgeCampaign, campaign_id)
    if campaign is None:
        _fail(f"未找到承诺书活动 {campaign_id}")
    base_url = base_url or current_app.config.get("PUBLIC_BASE_URL")
    if not base_url:
        _fail("请设置 PUBLIC_BASE_URL 或使用 --base-url 指定公众访问地址（印在二维码中）")
    variants = list(pledge_render.VARIANTS) if variant == "all" else [variant]
    jobs, cached = _render_jobs(campaign, variants, base_url)
    workers = max(1, workers or os.cpu_count() or 1)
    click.echo(
        f"{campaign.title}：需渲染 {len(jobs)} 份，已缓存 {cached} 份，使用 {workers} 个进程"
    )
    failures: list[str] = []
    started = time.perf_counter()
    # Nothing is held while the workers render (SQLite's write lock would keep the site
    # waiting): each rendering is saved in a transaction of its own.
    db.session.commit()
    if jobs:
        # "spawn": workers import only the pure renderer, never a copy of this process's
        # database connections or threads.
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = {
                pool.submit(pledge_render.render_pdf, doc, v): (pledge, v, doc)
                for pledge, v, doc in jobs
            }
            with click.progressbar(length=len(jobs), label="渲染承诺书", show_pos=True) as bar:
                for future in as_completed(futures):
                    pledge, v, doc = futures[future]
                    try:
                        pdf = future.result()
                        with commit_with_files() as files:
                            save_rendered(pledge, v, doc, pdf, files)
                    except Exception as exc:  # one bad document must not stop the rest
                        # From the document, not the row: reading the row would open a
                        # transaction and hold it while the next rendering is awaited.
                        failures.append(f"{doc.document_number} {v}: {exc}")
                    bar.update(1)
    elapsed = time.perf_counter() - started
    done = len(jobs) - len(failures)
    per = f"，平均每份 {elapsed / done:.2f} 秒" if done else ""
    click.echo(f"完成：渲染 {done} 份，用时 {elapsed:.1f} 秒{per}")
    for line in failures:
        click.echo(f"失败：{line}", err=True)
    if failures:
        sys.exit(1)


@click.group("storage")
def storage_group() -> None:
    """Stored files."""


@storage_group.command("check")
@click.option("--delete-orphans", is_flag=True, help="delete orphaned files older than --min-age")
@click.option("--min-age", default=60, show_default=True, help="minutes; younger files are kept")
def storage_check(delete_orphans: bool, min_age: int) -> None:
    """List orphaned files (on disk, named by no row) and missing files (named, not on disk).

    Exits 1 when files are missing.
    """
    from portal.storage import check_storage, get_storage, is_referenced

    storage = get_storage()
    report = check_storage()
    click.echo(f"存储位置：{getattr(storage, 'root', storage)}")
    click.echo(f"孤立文件（磁盘上有、数据库未引用）：{len(report.orphans)} 个")
    cutoff = time.time() - min_age * 60
    deleted = 0
    for key in report.orphans:
        path = storage.path(key)
        click.echo(f"  孤立 {key}  {path.stat().st_size if path.exists() else 0} 字节")
        old_enough = delete_orphans and path.exists() and path.stat().st_mtime < cutoff
        # Referenced is checked again: a request may have committed a row meanwhile.
        if old_enough and not is_referenced(key) and storage.delete(key):
            deleted += 1
    click.echo(f"缺失文件（数据库引用、磁盘上没有）：{len(report.missing)} 个")
    for key in report.missing:
        click.echo(f"  缺失 {key}")
    if report.strays:
        click.echo(f"未完成写入的临时文件：{len(report.strays)} 个")
        for path in report.strays:
            click.echo(f"  临时 {path}")
    if delete_orphans:
        click.echo(f"已删除孤立文件 {deleted} 个（{min_age} 分钟内写入的未删除）")
    if not report.ok:
        sys.exit(1)
