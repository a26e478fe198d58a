"""The pins have one source of truth: requirements.lock; environment.yml must agree with it."""

from pathlib import Path

import yaml

from compendium.environment import environment_yml, read_pins

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_is_generated_from_the_lock():
    committed = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert committed == environment_yml(ROOT / "requirements.lock"), "run `make environment.yml`"


def test_environment_yml_pins_exactly_the_lock():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert pip_section == read_pins(ROOT / "requirements.lock")
    assert "python=3.11" in environment["dependencies"]


def test_every_pin_is_exact_and_core_packages_are_pinned():
    pins = read_pins(ROOT / "requirements.lock")
    assert all("==" in pin for pin in pins)
    names = {pin.split("==")[0].lower() for pin in pins}
    for core in (
        "jupyterlab",
        "papermill",
        "pandas",
        "seaborn",
        "pingouin",
        "numpy",
        "scipy",
        "statsmodels",
        "matplotlib",
        "frictionless",
    ):
        assert core in names


def test_pyproject_dependencies_are_all_locked():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {pin.split("==")[0].lower().replace("_", "-") for pin in read_pins(ROOT / "requirements.lock")}
    assert {d.lower() for d in project["dependencies"]} <= names
