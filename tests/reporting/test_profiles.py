"""FIU profiles: the shipped ones load; bad ones fail naming file, key path and value."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cftwatch.errors import ProfileError
from cftwatch.reporting import load_profile, project_xsd_path, shipped_profiles
from cftwatch.schema import CHANNELS


def test_shipped_profiles_load_and_map_every_channel():
    assert shipped_profiles() == ["fmu-pk", "generic"]
    for name in shipped_profiles():
        profile = load_profile(name)
        assert set(profile.channels) == set(CHANNELS)
        assert set(profile.report_codes) == {"STR", "SAR", "CTR"}
    fmu = load_profile("fmu-pk")
    assert fmu.local_currency == "PKR" and fmu.xsd.required_file == "goAML_Schema.xsd"
    assert load_profile("generic").xsd_path() == project_xsd_path()


def test_fmu_profile_needs_the_fiu_xsd(tmp_path):
    fmu = load_profile("fmu-pk")
    with pytest.raises(ProfileError) as caught:
        fmu.xsd_path()
    problem = caught.value.problems[0]
    assert problem.field == "xsd.required_file" and problem.value == "goAML_Schema.xsd"
    assert "--xsd" in problem.reason
    with pytest.raises(ProfileError, match="XSD file not found"):
        fmu.xsd_path(tmp_path / "missing.xsd")
    assert fmu.xsd_path(project_xsd_path()) == project_xsd_path()


def _write(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(Path(load_profile("generic").source.split(" (")[1][:-1]).read_text())
    mutate(data)
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _problems(path: Path) -> list:
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert all(p.file == str(path) for p in caught.value.problems)
    return caught.value.problems


def test_a_copied_profile_loads(tmp_path):
    path = _write(tmp_path, lambda d: d.update(name="mine", local_currency="AED"))
    profile = load_profile(path)
    assert profile.name == "mine" and profile.local_currency == "AED"


def test_unknown_key_and_bad_value(tmp_path):
    def mutate(d):
        d["transmode"] = {}
        d["local_currency"] = "rupees"
        d["ctr"]["threshold"] = -5

    problems = {p.field: p for p in _problems(_write(tmp_path, mutate))}
    assert problems["transmode"].reason.startswith("Extra inputs")
    assert problems["local_currency"].value == "rupees"
    assert problems["ctr.threshold"].value == -5


def test_codes_must_be_defined(tmp_path):
    def mutate(d):
        d["channels"]["wallet"]["transmode"] = "TELEPORT"
        d["channels"]["cash_in"]["to_funds"] = "GOLD"
        d["typology_indicators"]["structuring"] = ["TF-NOPE"]
        d["report_codes"]["XYZ"] = "XYZ"
        d["channels"]["hawala"] = {"transmode": "CASH", "from_funds": "CASH", "to_funds": "CASH"}

    problems = {p.field: p for p in _problems(_write(tmp_path, mutate))}
    assert problems["channels.wallet.transmode"].value == "TELEPORT"
    assert problems["channels.cash_in.to_funds"].value == "GOLD"
    assert problems["typology_indicators.structuring[0]"].value == "TF-NOPE"
    assert problems["report_codes.XYZ"].value == "XYZ"
    assert "not a canonical channel" in problems["channels.hawala"].reason


def test_mandatory_paths_must_name_report_fields(tmp_path):
    def mutate(d):
        d["mandatory"] = ["reason", "transactions[].from_party.persn.last_name", "nope"]

    problems = {p.field: p for p in _problems(_write(tmp_path, mutate))}
    assert problems["mandatory[1]"].value == "transactions[].from_party.persn.last_name"
    assert "persn" in problems["mandatory[1]"].reason
    assert problems["mandatory[2]"].value == "nope"
    assert "mandatory[0]" not in problems


def test_bad_yaml_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nreport_codes: {STR: STR\n", encoding="utf-8")
    (problem,) = _problems(path)
    assert problem.record == 3 and "not valid YAML" in problem.reason


def test_unknown_profile_name_and_missing_file(tmp_path):
    with pytest.raises(ProfileError, match="unknown profile") as caught:
        load_profile("fmu-xx")
    assert caught.value.problems[0].value == "fmu-xx"
    with pytest.raises(ProfileError, match="not found"):
        load_profile(tmp_path / "nope.yaml")
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="mapping"):
        load_profile(path)
