"""Importing from the command line and from the bureau's import page (administrators only)."""

from __future__ import annotations

import io
import re

from portal.models import Facility, Role
from tests.factories import site_code
from tests.portal.import_helpers import csv_bytes, facility_row
from tests.portal.web_helpers import count_rows as count


def test_cli_import(db, runner, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([facility_row(21)]))
    result = runner.invoke(args=["import", "facilities", str(good)])
    assert result.exit_code == 0, result.output
    assert "导入完成：新增 1 条" in result.output
    assert count(db, Facility, Facility.site_code == site_code(21)) == 1

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([facility_row(22), facility_row(23, **{"机构名称": ""})]))
    result = runner.invoke(args=["import", "facilities", str(bad)])
    assert result.exit_code == 1
    assert "第 3 行" in result.output and "机构名称：此项必填" in result.output
    assert count(db, Facility, Facility.site_code.in_([site_code(22), site_code(23)])) == 0

    result = runner.invoke(args=["import", "facilities", "--dry-run", str(good)])
    assert result.exit_code == 0
    assert "仅校验" in result.output


def _upload(client, data: bytes, name: str, dry_run: bool = False):
    page = client.get("/bureau/import").get_data(as_text=True)
    match = re.search(r'name="facilities-csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "no CSRF field for the facilities form"
    form = {"facilities-csrf_token": match.group(1), "facilities-file": (io.BytesIO(data), name)}
    if dry_run:
        form["facilities-dry_run"] = "y"
    return client.post("/bureau/import", data=form, content_type="multipart/form-data")


def test_web_import_as_admin(db, client, auth, make_user):
    make_user(Role.ADMIN, "admin1")
    auth.login("admin1")
    response = _upload(client, csv_bytes([facility_row(24)]), "机构.csv")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "导入完成：新增 1 条，更新 0 条，无变化 0 条。" in page
    assert count(db, Facility, Facility.site_code == site_code(24)) == 1

    bad = csv_bytes([facility_row(25), facility_row(26, **{"协议开始日期": "2021-02-30"})])
    page = _upload(client, bad, "bad.csv").get_data(as_text=True)
    assert "未导入任何数据" in page
    assert "不是有效日期" in page
    # Only the rows with a problem are listed, with how many there are of how many.
    assert "共 2 行，其中 1 行有问题（下表只列这些行），整个文件未导入。" in page
    assert site_code(26) in page and site_code(25) not in page
    assert count(db, Facility, Facility.site_code == site_code(25)) == 0

    page = _upload(client, b"<html><body>x</body></html>", "fake.xlsx").get_data(as_text=True)
    assert "网页" in page

    page = _upload(client, csv_bytes([facility_row(27)]), "a.csv", dry_run=True)
    assert "校验通过" in page.get_data(as_text=True)
    assert count(db, Facility, Facility.site_code == site_code(27)) == 0


def test_web_import_needs_admin(db, client, auth, make_user):
    make_user(Role.INSPECTOR, "inspector1")
    auth.login("inspector1")
    assert client.get("/bureau/import").status_code == 403


def test_a_check_only_run_says_nothing_was_written(db, client, auth, make_user):
    make_user(Role.ADMIN, "admin_check")
    auth.login("admin_check")
    page = _upload(client, csv_bytes([facility_row(27)]), "机构.csv", dry_run=True)
    text = page.get_data(as_text=True)
    assert "共 1 行：可新增 1 条，可更新 0 条，无变化 0 条（未写入）。" in text
    assert "可新增（未写入）" in text
    assert count(db, Facility, Facility.site_code == site_code(27)) == 0
