"""The JSON file of `japra allocate`: the example in fixtures/, a round trip, and files it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from allocation import AllocationError, Preference, Rules, allocate, seed_hash
from allocation.fileformat import from_data, read, result_data, to_data

EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "allocation" / "example.json"
EXAMPLE_SEED = "2718-2818-2845-9045-2353-6028"


def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_the_example_reads_and_allocates_by_every_method():
    meeting = read(EXAMPLE.read_bytes())
    assert len(meeting.members) == 20 and len(meeting.units) == 20
    assert {u.building for u in meeting.units} == {"A", "B"}
    assert meeting.published_hash == seed_hash(EXAMPLE_SEED)
    assert meeting.rules.max_extra_bedrooms == 1
    assert meeting.preferences["0090"][0] == Preference("floor", 1)
    for method in ("priority", "lottery", "optimal"):
        result = allocate(meeting.members, meeting.units, meeting.preferences, method=method, seed=EXAMPLE_SEED,
                          rules=meeting.rules, published_hash=meeting.published_hash)
        out = result_data(result, seed=EXAMPLE_SEED)
        assert out["method"] == method and out["seed"] == EXAMPLE_SEED
        assert len(out["allocations"]) == 20
        assert out["total_rank"] == sum(a["rank"] or 0 for a in out["allocations"])


def test_the_example_holds_no_names():
    for member in example()["members"]:
        assert set(member) <= {"number", "household_size", "needs", "original_resident", "joined", "savings"}


def test_round_trip():
    meeting = read(EXAMPLE.read_text(encoding="utf-8"))
    again = from_data(json.loads(json.dumps(to_data(meeting))))
    assert again == meeting


def test_defaults_for_optional_fields():
    meeting = from_data({"members": [{"number": "0001"}],
                         "units": [{"code": "A-1-01", "unit_type": "T36", "building": "A", "floor": 1, "bedrooms": 2}]})
    assert meeting.members[0].household_size == 1 and meeting.members[0].needs == frozenset()
    assert meeting.units[0].lift is False
    assert meeting.preferences == {} and meeting.rules == Rules() and meeting.kept == ()


def test_a_member_twice_in_preferences_is_refused():
    text = EXAMPLE.read_text(encoding="utf-8").replace('"0012": [', '"0007": [{"unit": "A-1-01"}],\n    "0012": [', 1)
    with pytest.raises(AllocationError) as caught:
        read(text)
    assert caught.value.codes == ("duplicate_key",)
    assert "0007" in str(caught.value)


def test_malformed_files_are_refused_with_every_problem():
    data = example()
    data["members"][0]["number"] = 7  # would lose the zeros of 0007
    data["members"][1]["name"] = "Ibu Siti"
    data["members"][2]["joined"] = "12/05/2016"
    data["units"][0]["floor"] = "1"
    data["preferences"]["0019"].append({"unit": "A-1-01", "floor": 1})
    data["preferences"]["0023"].append({"floor": "two"})
    data["rules"]["priority"] = ["luck"]
    data["kept"] = {"0007": "A-1-01"}
    with pytest.raises(AllocationError) as caught:
        from_data(data)
    assert caught.value.codes == ("bad_field", "unknown_keys", "bad_field", "bad_field", "bad_choice",
                                  "bad_choice_value", "bad_priority", "bad_kept")
    text = str(caught.value)
    assert "name" in text and "12/05/2016" in text


@pytest.mark.parametrize("text, code", [
    ("{", "bad_json"), ("[]", "not_an_object"), ('{"members": []}', "missing_list"),
    (b"\xff\xfe", "bad_json"),
    # Nested past the limit: deeper than the parser's recursion, and just deep enough to be refused.
    ("[" * 100_000 + "]" * 100_000, "too_deep"),
    ('{"members": [], "units": [], "comment": ' + "[" * 32 + "]" * 32 + "}", "too_deep"),
])
def test_not_a_meeting_file(text, code):
    with pytest.raises(AllocationError) as caught:
        read(text)
    assert caught.value.codes[0] == code


def test_preferences_naming_units_that_do_not_exist_are_refused_by_allocate():
    data = example()
    data["preferences"]["0007"][0] = {"unit": "C-9-99"}
    meeting = from_data(data)
    with pytest.raises(AllocationError) as caught:
        allocate(meeting.members, meeting.units, meeting.preferences, method="lottery", seed=EXAMPLE_SEED,
                 rules=meeting.rules)
    assert caught.value.codes == ("unknown_unit",)
    assert "C-9-99" in str(caught.value) and "0007" in str(caught.value)
