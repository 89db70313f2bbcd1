"""`japra allocate FILE.json` on the example in fixtures/allocation/, in this process (it opens no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[3] / "fixtures" / "allocation" / "example.json"
SEED = "2718-2818-2845-9045-2353-6028"


@pytest.fixture()
def cli(offline_cli):
    return lambda *args: offline_cli("allocate", *args)


@pytest.mark.parametrize("method", ["priority", "lottery", "optimal"])
def test_json_output_for_each_method(cli, method):
    done = cli(str(EXAMPLE), "--method", method, "--seed", SEED, "--json")
    assert done.exit_code == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["method"] == method
    assert out["seed_hash"] == json.loads(EXAMPLE.read_text())["published_hash"]
    assert out["seed"] == SEED
    members = [a["member"] for a in out["allocations"]]
    assert len(members) == len(set(members)) == 20
    units = [a["unit"] for a in out["allocations"] if a["unit"]]
    assert len(units) == len(set(units))
    assert all(set(a) == {"position", "member", "unit", "rank", "how"} for a in out["allocations"])
    assert out["total_rank"] == sum(a["rank"] or 0 for a in out["allocations"])
    assert sorted(out["draw_order"]) == sorted(members)
    assert len(out["steps"]) == 20


def test_the_same_seed_prints_the_same_allocation(cli):
    first = cli(str(EXAMPLE), "--method", "lottery", "--seed", SEED, "--json")
    second = cli(str(EXAMPLE), "--method", "lottery", "--seed", SEED, "--json")
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout


def test_human_output_lists_the_steps(cli):
    done = cli(str(EXAMPLE), "--method", "optimal", "--seed", SEED)
    assert done.exit_code == 0, done.stderr
    assert "1. Member " in done.stdout and "(their choice 1)" in done.stdout
    assert "20 of 20 members housed" in done.stdout


def test_a_seed_that_does_not_match_the_published_hash_exits_2(cli):
    done = cli(str(EXAMPLE), "--method", "lottery", "--seed", "2718-2818-2845-9045-2353-6029", "--json")
    assert done.exit_code == 2
    assert "does not match the published hash" in done.stderr
    assert [e["code"] for e in json.loads(done.stdout)["errors"]] == ["seed_mismatch"]


def test_a_missing_seed_exits_2(cli):
    done = cli(str(EXAMPLE), "--method", "priority")
    assert done.exit_code == 2
    assert "A seed is required" in done.stderr and done.stdout == ""


def test_preferences_naming_missing_units_exit_2(cli, tmp_path):
    data = json.loads(EXAMPLE.read_text())
    data["preferences"]["0007"].insert(0, {"unit": "C-1-01"})
    data["preferences"]["0012"].append({"unit_type": "T90"})
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    done = cli(str(path), "--method", "optimal", "--seed", SEED)
    assert done.exit_code == 2
    assert "Member 0007's choice 1 names unit C-1-01, which does not exist." in done.stderr
    assert "unit type T90" in done.stderr


def test_a_member_with_two_units_exits_2(cli, tmp_path):
    data = json.loads(EXAMPLE.read_text())
    data["kept"] = [{"member": "0007", "unit": "A-1-01"}, {"member": "0007", "unit": "A-1-02"}]
    path = tmp_path / "two.json"
    path.write_text(json.dumps(data))
    done = cli(str(path), "--method", "lottery", "--seed", SEED, "--json")
    assert done.exit_code == 2
    assert "Member 0007 has two or more units: A-1-01, A-1-02" in done.stderr


def test_not_json_exits_2(cli, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("members: []")
    done = cli(str(path), "--method", "lottery", "--seed", SEED)
    assert done.exit_code == 2 and "not valid JSON" in done.stderr


@pytest.mark.parametrize("depth", [40, 100_000])
def test_a_deeply_nested_file_exits_2_without_a_traceback(cli, tmp_path, depth):
    path = tmp_path / "deep.json"
    path.write_text('{"members": [], "units": [], "comment": ' + "[" * depth + "]" * depth + "}")
    done = cli(str(path), "--method", "lottery", "--seed", SEED, "--json")
    assert done.exit_code == 2
    assert "nested more than 32 levels deep" in done.stderr
    assert [e["code"] for e in json.loads(done.stdout)["errors"]] == ["too_deep"]
