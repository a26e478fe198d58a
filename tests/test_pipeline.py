"""The papermill runner: parameter checks before anything runs, atomic outputs, clear failures.

Notebooks written here are throw-away test fixtures (synthetic), not stages of the compendium.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from compendium.errors import CompendiumError
from compendium.paths import NOTEBOOKS_DIR
from compendium.pipeline import discover_stages, notebook_parameters, resolve_parameters, run_pipeline


def write_notebook(path: Path, parameters: str, *cells: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    first = nbformat.v4.new_code_cell(parameters)
    first.metadata["tags"] = ["parameters"]
    notebook.cells = [first] + [nbformat.v4.new_code_cell(c) for c in cells]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def toy_stages(tmp_path: Path) -> Path:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    params = 'results_dir = "reports"\noutput_dir = "reports/x"\nscale = 1.0\nlabel = "a"\n'
    write_notebook(notebooks / "01_first.ipynb", params,
                   "import pathlib\np = pathlib.Path(output_dir) / 'tables'\np.mkdir(parents=True)\n(p / 'out.csv').write_text(f'{scale},{label}\\n')")
    write_notebook(notebooks / "02_second.ipynb", params + "fail = False\n",
                   "import pathlib\n(pathlib.Path(output_dir) / 'done.txt').write_text('ok')",
                   "assert not fail, 'asked to fail'")
    return notebooks


def test_notebook_parameters_reads_literal_defaults(toy_stages):
    assert notebook_parameters(toy_stages / "01_first.ipynb") == {"results_dir": "reports", "output_dir": "reports/x", "scale": 1.0, "label": "a"}


def test_unknown_parameter_is_named_with_a_suggestion():
    declared = {"03_meta": {"tau2_method": "REML"}}
    with pytest.raises(CompendiumError, match="unknown parameter 'tau2_methd'.*did you mean 'tau2_method'"):
        resolve_parameters(declared, [], ["tau2_methd=DL"])


def test_ill_typed_parameter_is_named():
    declared = {"03_meta": {"level": 95.0, "leave_one_out": True}}
    with pytest.raises(CompendiumError) as raised:
        resolve_parameters(declared, [], ["level=high", "leave_one_out=3"])
    assert "'level'" in str(raised.value) and "'leave_one_out'" in str(raised.value)


def test_int_is_accepted_for_float_and_sources_override_in_order(tmp_path):
    user = tmp_path / "my.yaml"
    user.write_text("level: 90\nlabel: from-file\n")
    params = resolve_parameters({"s": {"level": 95.0, "label": "a"}}, [user], ["label=from-cli"])
    assert params.values == {"level": 90, "label": "from-cli"}
    assert params.origins["label"] == "-p"


def test_output_dir_cannot_be_overridden():
    with pytest.raises(CompendiumError, match="set by the runner"):
        resolve_parameters({"s": {"output_dir": "x"}}, [], ["output_dir=elsewhere"])


def test_bad_parameter_stops_before_any_stage_runs(toy_stages, tmp_path):
    results = tmp_path / "results"
    with pytest.raises(CompendiumError, match="unknown parameter"):
        run_pipeline(overrides=[f"results_dir={results}", "nope=1"], notebooks_dir=toy_stages, defaults_file=None)
    assert not results.exists()


def test_stages_run_in_order_with_parameters_and_a_visible_parameters_cell(toy_stages, tmp_path):
    results = tmp_path / "results"
    executed = run_pipeline(overrides=[f"results_dir={results}", "scale=2.5"], notebooks_dir=toy_stages, defaults_file=None, log=lambda _: None)
    assert [p.name for p in executed] == ["01_first.ipynb", "02_second.ipynb"]
    assert (results / "01_first" / "tables" / "out.csv").read_text() == "2.5,a\n"
    cells = json.loads((results / "01_first" / "01_first.ipynb").read_text())["cells"]
    used = [c for c in cells if "parameters-used" in c["metadata"].get("tags", [])]
    assert "scale" in "".join(used[0]["source"]) and "-p" in "".join(used[0]["source"])


def test_failing_cell_reports_stage_and_cell_and_keeps_previous_outputs(toy_stages, tmp_path):
    results = tmp_path / "results"
    run_pipeline(overrides=[f"results_dir={results}"], notebooks_dir=toy_stages, defaults_file=None, log=lambda _: None)
    before = (results / "02_second" / "done.txt").stat().st_mtime_ns
    with pytest.raises(CompendiumError) as raised:
        run_pipeline(only=["02"], overrides=[f"results_dir={results}", "fail=true"], notebooks_dir=toy_stages, defaults_file=None, log=lambda _: None)
    message = str(raised.value)
    assert "02_second" in message and "cell" in message and "asked to fail" in message
    assert (results / "02_second" / "done.txt").stat().st_mtime_ns == before
    assert (results / ".failed" / "02_second" / "02_second.ipynb").exists()


def test_unknown_stage_is_an_error(toy_stages):
    with pytest.raises(CompendiumError, match="unknown stage"):
        run_pipeline(only=["07"], notebooks_dir=toy_stages, defaults_file=None)


def test_every_committed_notebook_is_a_thin_stage_without_outputs():
    for stage in discover_stages(NOTEBOOKS_DIR):
        notebook = json.loads(stage.path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] != "code":
                continue
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{stage.name}: clear outputs before committing"
            lines = "".join(cell["source"]).splitlines()
            assert not any(line.startswith(("def ", "class ")) for line in lines), f"{stage.name}: logic belongs in src/compendium/"
        for name in ("raw_dir", "results_dir", "output_dir"):
            assert name in stage.parameters, f"{stage.name} must declare {name}"
