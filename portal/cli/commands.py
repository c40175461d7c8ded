"""CLI commands registered on ``app.cli`` (``medcredit ...``)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.enums import Role
from portal.models.facility import Facility
from portal.models.user import User


def _fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


def register_commands(app: Flask) -> None:
    from portal.cli.calendar import calendar_group
    from portal.cli.grades import grades_group

    for command in (
        grades_group,
        calendar_group,
        serve_command,
        demo_command,
        seed_demo_command,
        users_group,
        tokens_group,
        import_group,
        audit_group,
    ):
        app.cli.add_command(command)
    from portal.cli.pledges import register_pledge_commands

    register_pledge_commands(app)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="gunicorn worker processes")
def serve_command(host: str, port: int, workers: int | None) -> None:
    """Run the portal with gunicorn."""
    from portal.cli.serve import default_workers, serve

    serve(host, port, workers or default_workers())


def _seed_if_empty() -> list | None:
    from portal.demo import load_demo_data

    if db.session.scalar(select(func.count()).select_from(Facility)):
        return None
    accounts = load_demo_data(progress=lambda msg: click.echo(f"  {msg}"))
    db.session.commit()
    return accounts


def _print_accounts() -> None:
    from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    click.echo(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
    for username, _display, role, _site in DEMO_ACCOUNTS:
        click.echo(f"  {username:<16} {Role(role).label}")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo data into an empty database."""
    if _seed_if_empty() is None:
        _fail("数据库中已有定点机构数据，未载入演示数据")
    click.echo("演示数据已载入。")
    _print_accounts()


@click.command("demo")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
def demo_command(port: int, host: str) -> None:
    """Upgrade the database, load demo data if it is empty, and serve."""
    from portal.cli.serve import serve

    click.echo("升级数据库结构……")
    upgrade()
    if _seed_if_empty() is not None:
        click.echo("演示数据已载入。")
    _print_accounts()
    click.echo(f"\n门户地址：http://{host}:{port}/\n")
    db.session.remove()
    db.engine.dispose()
    serve(host, port, 2)


@click.group("users")
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--facility", "site_code", default=None, help="site code, for facility users")
@click.option("--name", "display_name", default="", help="display name")
@click.option(
    "--password-stdin", is_flag=True, required=True, help="read the password from standard input"
)
def users_create(username, role, site_code, display_name, password_stdin) -> None:
    """Create an account; the password is read from standard input."""
    from portal.operations.users import UserError, create_user
    from portal.queries import get_facility_by_site_code

    password = sys.stdin.readline().rstrip("\r\n")
    facility = None
    if site_code:
        facility = get_facility_by_site_code(site_code)
        if facility is None:
            _fail(f"未找到定点机构 {site_code}")
    try:
        user = create_user(
            None,
            username=username,
            display_name=display_name or username,
            role=Role(role),
            password=password,
            facility=facility,
        )
    except UserError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"已创建账号 {user.username}（{user.role.label}）")


@click.group("tokens")
def tokens_group() -> None:
    """Manage staff API tokens."""


@tokens_group.command("create")
@click.argument("username")
def tokens_create(username: str) -> None:
    """Create an API token for a bureau account and print it once."""
    from portal.operations.users import UserError, create_api_token

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        _fail(f"未找到账号 {username}")
    try:
        token = create_api_token(None, user)
    except UserError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(token)
    click.echo("请妥善保存，该令牌不会再次显示。", err=True)


@click.group("import")
def import_group() -> None:
    """Import the registry from CSV or XLSX files."""


def _run_import(kind: str, path: str, dry_run: bool) -> None:
    from portal.imports import import_file

    with open(path, "rb") as fh:
        report = import_file(None, kind, fh, path, dry_run=dry_run)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        db.session.rollback()
        _fail("文件存在错误，未导入任何数据")
    if dry_run:
        db.session.rollback()
        click.echo("校验通过（仅校验，未导入）。")
    else:
        db.session.commit()
        click.echo(
            f"导入完成：新增 {report.created} 条，更新 {report.updated} 条，"
            f"无变化 {report.unchanged} 条。"
        )


@import_group.command("facilities")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="validate only")
def import_facilities(path: str, dry_run: bool) -> None:
    """Import facilities (CSV or XLSX)."""
    _run_import("facilities", path, dry_run)


@import_group.command("staff")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="validate only")
def import_staff(path: str, dry_run: bool) -> None:
    """Import staff members (CSV or XLSX)."""
    _run_import("staff", path, dry_run)


@click.group("audit")
def audit_group() -> None:
    """Audit log tools."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check the hash chain; exit 1 naming the first bad row."""
    from portal.operations.audit import verify_chain

    report = verify_chain()
    if not report.ok:
        click.echo(
            f"审计日志校验失败：第 {report.bad_seq} 行（seq={report.bad_seq}）：{report.reason}",
            err=True,
        )
        sys.exit(1)
    click.echo(f"审计日志完整：共 {report.rows} 行，哈希链校验通过。")
