"""Rulebooks are files a bureau replaces; a bad one stops start-up naming the entry."""

import pytest

from scoring.rulebook import RulebookError
from scoring.staff_points import DEFAULT_RULEBOOK
from tests.conftest import make_app


def test_bad_rulebook_from_the_environment_stops_start_up(tmp_path, monkeypatch):
    bad = tmp_path / "points.toml"
    bad.write_text(
        DEFAULT_RULEBOOK.read_text(encoding="utf-8").replace("max_per_cycle = 4", ""),
        encoding="utf-8",
    )
    monkeypatch.setenv("STAFF_POINTS_RULEBOOK", str(bad))
    with pytest.raises(RulebookError, match=r"restoration\.max_per_cycle: missing"):
        make_app(f"sqlite:///{tmp_path / 'r.sqlite3'}", str(tmp_path))


def test_replacement_rulebook_is_used(tmp_path, monkeypatch):
    changed = tmp_path / "points.toml"
    changed.write_text(
        DEFAULT_RULEBOOK.read_text(encoding="utf-8").replace(
            "max_per_cycle = 4", "max_per_cycle = 2"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("STAFF_POINTS_RULEBOOK", str(changed))
    app = make_app(f"sqlite:///{tmp_path / 'r.sqlite3'}", str(tmp_path))
    from portal.rules import staff_points_rulebook

    with app.app_context():
        assert staff_points_rulebook().restore_max_per_cycle == 2


def test_a_bad_regions_file_stops_start_up(tmp_path, monkeypatch):
    bad = tmp_path / "regions.toml"
    bad.write_text(
        'city = "南通市"\nnote = "测试"\ncounties = ["崇川区", "通州区", "崇川区"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("REGIONS_FILE", str(bad))
    with pytest.raises(RulebookError, match=r"counties\[2\]: '崇川区' is listed twice"):
        make_app(f"sqlite:///{tmp_path / 'r.sqlite3'}", str(tmp_path))


def test_another_citys_regions_file_is_used(tmp_path, monkeypatch):
    other = tmp_path / "regions.toml"
    other.write_text(
        'city = "扬州市"\nnote = "测试"\ncounties = ["广陵区", "邗江区"]\n', encoding="utf-8"
    )
    monkeypatch.setenv("REGIONS_FILE", str(other))
    app = make_app(f"sqlite:///{tmp_path / 'r.sqlite3'}", str(tmp_path))
    from portal.operations.registry import county_problem

    with app.test_request_context():
        assert county_problem("邗江区") is None
        assert county_problem("崇川区") == "不是扬州市的县（市、区），请填写：广陵区、邗江区"
