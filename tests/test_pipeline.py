"""The papermill runner: parameter checks before anything runs, atomic outputs, clear failures.

Notebooks written here are throw-away test fixtures (synthetic), not stages of the compendium.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from compendium.errors import CompendiumError
from compendium.paths import NOTEBOOKS_DIR, ROOT
from compendium.pipeline import discover_stages, notebook_parameters, resolve_parameters, run_pipeline
from compendium.review import load_review
from synthetic_packages import RCT_ONLY_REVIEW, write_package

#: a review declaration that does not exist: the toy pipelines run all their notebooks
NO_REVIEW = Path("/nonexistent/review.yaml")


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
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "data.csv").write_text("x\n1\n")
    params = (
        f'raw_dir = "{tmp_path / "raw"}"\nresults_dir = "reports"\noutput_dir = "reports/x"\nscale = 1.0\nlabel = "a"\n'
    )
    write_notebook(
        notebooks / "01_first.ipynb",
        params + "fail_first = False\n",
        "import pathlib\np = pathlib.Path(output_dir) / 'tables'\np.mkdir(parents=True)\n"
        "(p / 'out.csv').write_text(f'{scale},{label}\\n')",
        "assert not fail_first, 'stage 01 asked to fail'",
    )
    write_notebook(
        notebooks / "02_second.ipynb",
        params + "fail = False\n",
        "import pathlib\n(pathlib.Path(output_dir) / 'done.txt').write_text('ok')",
        "assert not fail, 'asked to fail'",
    )
    return notebooks


def test_notebook_parameters_reads_literal_defaults(toy_stages):
    assert notebook_parameters(toy_stages / "01_first.ipynb") == {
        "raw_dir": str(toy_stages.parent / "raw"),
        "results_dir": "reports",
        "output_dir": "reports/x",
        "scale": 1.0,
        "label": "a",
        "fail_first": False,
    }


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
        run_pipeline(
            overrides=[f"results_dir={results}", "nope=1"],
            notebooks_dir=toy_stages,
            defaults_file=None,
            review_file=NO_REVIEW,
        )
    assert not results.exists()


def test_stages_run_in_order_with_parameters_and_a_visible_parameters_cell(toy_stages, tmp_path):
    results = tmp_path / "results"
    executed = run_pipeline(
        overrides=[f"results_dir={results}", "scale=2.5"],
        notebooks_dir=toy_stages,
        defaults_file=None,
        review_file=NO_REVIEW,
        log=lambda _: None,
    )
    assert [run.notebook.name for run in executed] == ["01_first.ipynb", "02_second.ipynb"]
    assert (results / "01_first" / "tables" / "out.csv").read_text() == "2.5,a\n"
    cells = json.loads((results / "01_first" / "01_first.ipynb").read_text())["cells"]
    used = [c for c in cells if "parameters-used" in c["metadata"].get("tags", [])]
    assert "scale" in "".join(used[0]["source"]) and "-p" in "".join(used[0]["source"])


def test_failing_cell_reports_stage_and_cell_and_keeps_previous_outputs(toy_stages, tmp_path):
    results = tmp_path / "results"
    run_pipeline(
        overrides=[f"results_dir={results}"],
        notebooks_dir=toy_stages,
        defaults_file=None,
        review_file=NO_REVIEW,
        log=lambda _: None,
    )
    before = (results / "02_second" / "done.txt").stat().st_mtime_ns
    with pytest.raises(CompendiumError) as raised:
        run_pipeline(
            only=["02"],
            overrides=[f"results_dir={results}", "fail=true"],
            notebooks_dir=toy_stages,
            defaults_file=None,
            review_file=NO_REVIEW,
            log=lambda _: None,
        )
    message = str(raised.value)
    assert "02_second" in message and "cell" in message and "asked to fail" in message
    assert (results / "02_second" / "done.txt").stat().st_mtime_ns == before
    assert (results / ".failed" / "02_second" / "02_second.ipynb").exists()


def test_unknown_stage_is_an_error(toy_stages):
    with pytest.raises(CompendiumError, match="unknown stage"):
        run_pipeline(only=["07"], notebooks_dir=toy_stages, defaults_file=None, review_file=NO_REVIEW)


def test_every_committed_notebook_is_a_thin_stage_without_outputs():
    for stage in discover_stages(NOTEBOOKS_DIR):
        notebook = json.loads(stage.path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] != "code":
                continue
            assert cell["outputs"] == [] and cell["execution_count"] is None, (
                f"{stage.name}: clear outputs before committing"
            )
            lines = "".join(cell["source"]).splitlines()
            assert not any(line.startswith(("def ", "class ")) for line in lines), (
                f"{stage.name}: logic belongs in src/compendium/"
            )
        for name in ("raw_dir", "results_dir", "output_dir"):
            assert name in stage.parameters, f"{stage.name} must declare {name}"


# --- notebooks that cannot be read ------------------------------------------------------------


def test_syntax_error_in_a_parameters_cell_names_the_notebook_and_does_not_block_the_others(toy_stages, tmp_path):
    write_notebook(toy_stages / "03_broken.ipynb", 'results_dir = "reports"\nscale = (1.0\n')
    stages = {s.name: s for s in discover_stages(toy_stages)}
    assert stages["01_first"].problem is None and stages["01_first"].parameters["scale"] == 1.0
    assert "03_broken.ipynb: parameters cell line" in stages["03_broken"].problem
    assert "not valid Python" in stages["03_broken"].problem
    results = tmp_path / "results"
    runs = run_pipeline(
        only=["01"],
        overrides=[f"results_dir={results}"],
        notebooks_dir=toy_stages,
        defaults_file=None,
        review_file=NO_REVIEW,
        log=lambda _: None,
    )
    assert [run.stage for run in runs] == ["01_first"]
    with pytest.raises(CompendiumError, match="03_broken.ipynb: parameters cell line"):
        run_pipeline(
            only=["03"], notebooks_dir=toy_stages, defaults_file=None, review_file=NO_REVIEW, log=lambda _: None
        )


def test_stages_come_from_the_review_declaration_when_it_lists_them(toy_stages, tmp_path):
    review = tmp_path / "review.yaml"
    review.write_text("stages: [01_first]\n")
    results = tmp_path / "results"
    runs = run_pipeline(
        overrides=[f"results_dir={results}"],
        notebooks_dir=toy_stages,
        defaults_file=None,
        review_file=review,
        log=lambda _: None,
    )
    assert [run.stage for run in runs] == ["01_first"]
    review.write_text("stages: [01_first, 09_missing]\n")
    with pytest.raises(CompendiumError, match="09_missing, which have no notebook"):
        run_pipeline(notebooks_dir=toy_stages, defaults_file=None, review_file=review)


# --- parameter values ---------------------------------------------------------------------------

DECLARED = {
    "03_meta_analysis": {"raw_dir": "data/raw", "tau2_method": "REML", "test": "knha", "level": 95.0, "outcomes": None},
    "02_risk_of_bias": {"palette": "cochrane"},
    "04_mr": {"seed": 1, "n_bootstrap": 10, "snp_table": None},
}
#: the outcome codes of this compendium's own declaration (the vocabulary `outcomes` is checked against)
OUTCOME_CODES = load_review(ROOT / "review.yaml").outcome_ids
CODE = OUTCOME_CODES[0]
TYPO = CODE + CODE[-1]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("tau2_method=RELM", "'tau2_method' \\(from -p\\) = 'RELM' is not one of .*did you mean 'REML'"),
        ("test=knah", "'test' \\(from -p\\) = 'knah' is not one of .*did you mean 'knha'"),
        ("palette=colorblind", "did you mean 'colourblind'"),
        (
            f"outcomes=[{CODE}{CODE[-1]}]",
            f"'outcomes' \\(from -p\\) = '{CODE}{CODE[-1]}' is not one of .*did you mean '{CODE}'",
        ),
        ("outcomes=[]", "empty list"),
        (f"outcomes={CODE}", "expected a list of outcome codes"),
        ("level=0.95", "confidence level in percent"),
        ("level=.nan", "confidence level in percent"),
        ("n_bootstrap=1000000000", "from 1 to 1,000,000"),
        ("seed=-1", "a seed from 0"),
        ("snp_table=2024-01-31", "is a date"),
        ("outcomes=[a, b", "-p outcomes: not valid YAML"),
        ("outcomes=!!python/object/apply:os.system [echo]", "-p outcomes: not valid YAML.*python/object"),
        ("outcomes=[&a x, *a]", "anchors .* are not allowed"),
    ],
)
def test_bad_parameter_values_are_refused_with_the_reason(override, message):
    with pytest.raises(CompendiumError, match=message):
        resolve_parameters(DECLARED, [], [override])


def test_good_enumerated_values_pass():
    params = resolve_parameters(
        DECLARED,
        [],
        [
            "tau2_method=DL",
            "test=z",
            "palette=colourblind",
            f"outcomes=[{', '.join(OUTCOME_CODES[:2])}]",
            "level=90",
            "seed=0",
            "n_bootstrap=1000",
        ],
    )
    assert params.values["outcomes"] == list(OUTCOME_CODES[:2])


def test_outcome_vocabulary_comes_from_the_review_declaration_first(tmp_path):
    from compendium.pipeline.choices import outcome_vocabulary

    review = tmp_path / "review.yaml"
    review.write_text("outcomes:\n  - {id: pain, label: Pain}\n  - {id: mobility, label: Mobility}\n")
    assert outcome_vocabulary("data/raw", review) == (("pain", "mobility"), "review.yaml")
    raw = write_package(tmp_path / "synthetic", RCT_ONLY_REVIEW, {})  # its datapackage's enums, filled from it
    codes, source = outcome_vocabulary(raw, tmp_path / "absent.yaml")
    assert codes == ("days_off", "symptom_score", "admission") and "datapackage.yaml" in source


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"level: [1, 2\n", "not valid YAML"),
        (b"level: !!python/object/apply:os.system ['echo hi']\n", "not valid YAML"),
        ("level: 90\n".encode("utf-16"), "not UTF-8"),
        (b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "anchors"),
        (b"- level\n- 90\n", "expected a mapping of parameter names"),
    ],
)
def test_bad_parameter_files_are_refused(tmp_path, content, message):
    path = tmp_path / "my params.yaml"
    path.write_bytes(content)
    with pytest.raises(CompendiumError, match=message):
        resolve_parameters(DECLARED, [path], [])


def test_a_directory_as_parameter_file_is_refused(tmp_path):
    with pytest.raises(CompendiumError, match="is a directory"):
        resolve_parameters(DECLARED, [tmp_path], [])


# --- faults during a stage ----------------------------------------------------------------------


def test_disk_full_inside_a_stage_keeps_the_failed_notebook_and_leaves_no_tmp(toy_stages, tmp_path):
    results = tmp_path / "results"
    write_notebook(
        toy_stages / "03_full.ipynb",
        'results_dir = "reports"\noutput_dir = "x"\n',
        "import errno, os\nraise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), 'tables/big.csv')",
    )
    with pytest.raises(CompendiumError) as raised:
        run_pipeline(
            overrides=[f"results_dir={results}"],
            notebooks_dir=toy_stages,
            defaults_file=None,
            review_file=NO_REVIEW,
            log=lambda _: None,
        )
    assert "stage 03_full failed" in str(raised.value) and "No space left on device" in str(raised.value)
    assert (results / ".failed" / "03_full" / "03_full.ipynb").exists()
    assert not (results / ".tmp").exists()


def test_os_error_in_the_runner_is_a_clear_error_and_leaves_no_tmp(toy_stages, tmp_path, monkeypatch):
    import errno

    import papermill

    results = tmp_path / "results"
    run_pipeline(
        overrides=[f"results_dir={results}"],
        notebooks_dir=toy_stages,
        defaults_file=None,
        review_file=NO_REVIEW,
        log=lambda _: None,
    )
    before = (results / "02_second" / "done.txt").read_text()

    def disk_full(input_path, output_path, **kwargs):
        Path(output_path).write_text("{}")
        raise OSError(errno.ENOSPC, "No space left on device", output_path)

    monkeypatch.setattr(papermill, "execute_notebook", disk_full)
    with pytest.raises(CompendiumError, match=r"stage 02_second failed .*No space left on device \(free some space"):
        run_pipeline(
            only=["02"],
            overrides=[f"results_dir={results}"],
            notebooks_dir=toy_stages,
            defaults_file=None,
            review_file=NO_REVIEW,
            log=lambda _: None,
        )
    assert (results / "02_second" / "done.txt").read_text() == before
    assert not (results / ".tmp").exists()


def test_a_killed_kernel_is_named_and_leaves_no_tmp(toy_stages, tmp_path):
    results = tmp_path / "results"
    write_notebook(
        toy_stages / "03_killed.ipynb",
        'results_dir = "reports"\noutput_dir = "x"\n',
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
    )
    with pytest.raises(CompendiumError, match="stage 03_killed failed.*the kernel died"):
        run_pipeline(
            overrides=[f"results_dir={results}"],
            notebooks_dir=toy_stages,
            defaults_file=None,
            review_file=NO_REVIEW,
            log=lambda _: None,
        )
    assert not (results / ".tmp").exists()


def test_unwritable_results_folder_is_a_clear_error(toy_stages, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(
        CompendiumError, match="a-file: is a file, not a folder; expected the folder of the stage outputs"
    ):
        run_pipeline(
            overrides=[f"results_dir={blocker / 'results'}"],
            notebooks_dir=toy_stages,
            defaults_file=None,
            review_file=NO_REVIEW,
            log=lambda _: None,
        )


# --- stale outputs (fingerprints) ----------------------------------------------------------------


def _run(toy_stages, results, *overrides, only=None):
    return run_pipeline(
        only=only,
        overrides=[f"results_dir={results}", *overrides],
        notebooks_dir=toy_stages,
        defaults_file=None,
        review_file=NO_REVIEW,
        log=lambda _: None,
    )


def test_a_stage_refuses_upstream_outputs_built_from_other_data(toy_stages, tmp_path):
    results = tmp_path / "results"
    _run(toy_stages, results)
    record = json.loads((results / "01_first" / "fingerprint.json").read_text())
    assert record["stage"] == "01_first" and "data.csv" in " ".join(record["inputs"]["data"])
    (toy_stages.parent / "raw" / "data.csv").write_text("x\n2\n")
    with pytest.raises(CompendiumError) as raised:
        _run(toy_stages, results, only=["02"])
    message = str(raised.value)
    assert "refuses the outputs of stage 01_first" in message and "data files changed" in message
    assert "compendium run --only 01" in message
    _run(toy_stages, results, only=["01"])
    _run(toy_stages, results, only=["02"])


def test_a_corrupt_fingerprint_is_reported_as_corrupt_not_missing(tmp_path):
    from compendium.pipeline.fingerprint import refuse_stale

    stage_dir = tmp_path / "01_first"
    stage_dir.mkdir()
    with pytest.raises(CompendiumError, match="01_first has no fingerprint.json"):
        refuse_stale("01_first", stage_dir, {}, "02_second")
    (stage_dir / "fingerprint.json").write_text('{"fingerprint": ', encoding="utf-8")
    with pytest.raises(CompendiumError, match="01_first has a corrupt fingerprint.json .*compendium run --only 01"):
        refuse_stale("01_first", stage_dir, {}, "02_second")


def test_a_stage_refuses_upstream_outputs_built_with_other_parameters(toy_stages, tmp_path):
    results = tmp_path / "results"
    _run(toy_stages, results)
    with pytest.raises(CompendiumError, match="parameter 'label' was 'a', is now 'b'"):
        _run(toy_stages, results, "label=b", only=["02"])


def test_after_a_failed_stage_its_old_outputs_are_refused_downstream(toy_stages, tmp_path):
    results = tmp_path / "results"
    _run(toy_stages, results)
    (toy_stages.parent / "raw" / "data.csv").write_text("x\n3\n")
    with pytest.raises(CompendiumError, match="stage 01_first failed"):
        _run(toy_stages, results, "fail_first=true", only=["01"])
    assert (results / "01_first" / "failed_attempt.json").exists()
    with pytest.raises(CompendiumError, match="refuses the outputs of stage 01_first.*last run failed"):
        _run(toy_stages, results, only=["02"])


def test_missing_required_upstream_outputs_name_the_stage_to_run(tmp_path):
    from compendium.pipeline.graph import upstream_of

    assert upstream_of("03_meta_analysis", ["01_ingest", "02_risk_of_bias", "03_meta_analysis"]).required == (
        "01_ingest",
    )
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    params = 'results_dir = "reports"\noutput_dir = "x"\n'
    write_notebook(notebooks / "01_ingest.ipynb", params)
    write_notebook(notebooks / "04_mendelian_randomization.ipynb", params)
    with pytest.raises(CompendiumError, match="needs the outputs of stage 01_ingest.*compendium run --only 01"):
        run_pipeline(
            only=["04"],
            overrides=[f"results_dir={tmp_path / 'results'}"],
            notebooks_dir=notebooks,
            defaults_file=None,
            review_file=NO_REVIEW,
        )


def test_make_plan_follows_the_stage_graph():
    from compendium.pipeline.graph import make_plan

    names = ["01_ingest", "02_risk_of_bias", "03_meta_analysis", "04_mendelian_randomization", "05_consensus_report"]
    rules = {line.split(":")[0]: line for line in make_plan(names, names, "run").splitlines() if line[:1].isdigit()}
    assert "02_risk_of_bias" not in rules["04_mendelian_randomization"]
    assert "02_risk_of_bias" in rules["03_meta_analysis"]
    assert all(n in rules["05_consensus_report"] for n in names[:4])
    # only the stages to run are prerequisites: 05 waits for 03, never for a current stage
    assert make_plan(["03_meta_analysis", "05_consensus_report"], names, "run").splitlines()[-2] == (
        "05_consensus_report: 03_meta_analysis"
    )


def test_required_upstream_stages_run_whether_declared_or_not(tmp_path):
    """stages: [03, 05] must not let stage 03 read stage-01 tables built from other data (issue 24)."""
    from compendium.pipeline.runner import Stage, pipeline_stages

    review = tmp_path / "review.yaml"
    review.write_text("stages: [03_meta_analysis, 05_consensus_report]\n")
    names = ["01_ingest", "02_risk_of_bias", "03_meta_analysis", "05_consensus_report"]
    stages = [Stage(n[:2], n, tmp_path / f"{n}.ipynb", {}) for n in names]
    assert [s.name for s in pipeline_stages(stages, review)] == ["01_ingest", "03_meta_analysis", "05_consensus_report"]


def _plan(toy_stages, results, *files, review=NO_REVIEW):
    from compendium.pipeline.runner import plan

    defaults = results.parent / "defaults.yaml"
    defaults.write_text(f"results_dir: {results}\n")
    said: list[str] = []
    text = plan(
        param_files=list(files), notebooks_dir=toy_stages, defaults_file=defaults, review_file=review, log=said.append
    )
    stages = [line.split(":")[0] for line in text.splitlines()[3:] if line[:1].isdigit()]
    return stages, "\n".join(said), text


def test_freshness_comes_from_content_not_modification_times(toy_stages, tmp_path):
    """Issue 24: a data edit that keeps the old time, a deleted or edited output, another parameter
    value (one-off run) make a stage stale; with nothing changed the plan is empty."""
    import os

    results = tmp_path / "results"
    _run(toy_stages, results)
    assert _plan(toy_stages, results)[0] == []
    data = toy_stages.parent / "raw" / "data.csv"
    before = data.stat()
    data.write_text("x\n5\n")
    os.utime(data, ns=(before.st_atime_ns, before.st_mtime_ns))  # like cp -p, rsync -a, tar, unzip
    stages, said, _ = _plan(toy_stages, results)
    assert stages == ["01_first", "02_second"] and "01_first is not current (data files changed" in said
    _run(toy_stages, results)
    (results / "01_first" / "tables" / "out.csv").unlink()
    stages, said, _ = _plan(toy_stages, results)
    assert stages == ["01_first", "02_second"] and "out.csv was removed" in said
    _run(toy_stages, results)
    (results / "02_second" / "done.txt").write_text("edited by hand")
    assert _plan(toy_stages, results)[0] == ["02_second"]
    _run(toy_stages, results, only=["02"])
    _run(toy_stages, results, "label=b", only=["01"])  # a one-off run with another value
    stages, said, _ = _plan(toy_stages, results)
    assert stages == ["01_first", "02_second"] and "parameter 'label' was 'b', is now 'a'" in said


def test_a_later_stage_reruns_only_when_what_it_reads_changed(toy_stages, tmp_path):
    """--if-stale: after stage 01 re-runs with the same outputs, stage 02 is current and not re-run."""
    results = tmp_path / "results"
    _run(toy_stages, results)
    _run(toy_stages, results, "label=b", only=["01"])
    _run(toy_stages, results, only=["01"])  # back to the declared value: the same table as before
    said: list[str] = []
    runs = run_pipeline(
        overrides=[f"results_dir={results}"],
        notebooks_dir=toy_stages,
        defaults_file=None,
        review_file=NO_REVIEW,
        log=said.append,
        if_stale=True,
    )
    assert runs == [] and "[compendium] 02_second is current (the inputs it reads are unchanged): not re-run" in said


def test_a_parameter_file_in_the_plan_is_quoted(toy_stages, tmp_path):
    results = tmp_path / "results"
    _run(toy_stages, results)
    params = tmp_path / "my $params.yaml"
    params.write_text("scale: 3.0\n")
    stages, _, text = _plan(toy_stages, results, params)
    assert stages == ["01_first", "02_second"]
    assert f"--if-stale --params '{tmp_path}/my $$params.yaml' --only 01_first" in text


def test_outputs_of_a_stage_dropped_from_the_declaration_are_removed(toy_stages, tmp_path):
    """Dropping a stage from `stages:` must not leave its old outputs (the old report) as if current."""
    results = tmp_path / "results"
    _run(toy_stages, results)
    review = tmp_path / "review.yaml"
    review.write_text("stages: [01_first]\n")
    stages, said, _ = _plan(toy_stages, results, review=review)
    assert stages == ["01_first"] and not (results / "02_second").exists()  # 01: review.yaml is new
    assert "removed" in said and "stage 02_second is not in the review's stages" in said


# --- one run at a time ---------------------------------------------------------------------------


def test_a_second_run_waits_for_the_lock_and_gives_up_clearly(tmp_path, monkeypatch):
    import subprocess
    import sys

    from compendium.pipeline.lock import HELD_BY_CALLER, results_lock

    results = tmp_path / "results"
    results.mkdir()
    # the last run recorded in the lock file has ended (no process has this pid: above pid_max)
    (results / ".lock").write_text("compendium run, pid 999999999\n", encoding="utf-8")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import fcntl, sys, time\nf = open(sys.argv[1], 'a+')\nfcntl.flock(f, fcntl.LOCK_EX)\n"
                "print('locked', flush=True)\ntime.sleep(30)"
            ),
            str(results / ".lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        said = []
        with (
            pytest.raises(CompendiumError, match="still in use .* nothing was changed"),
            results_lock(results, log=said.append, wait_seconds=0.3),
        ):
            pass
        assert "waiting for it to finish" in said[0]
        assert "another process, such as make report (the last run recorded, pid 999999999, has ended)" in said[0]
        monkeypatch.setenv(HELD_BY_CALLER, str((results / ".lock").resolve()))
        with results_lock(results, log=said.append, wait_seconds=0.3):
            pass
    finally:
        holder.kill()
        holder.wait()
    monkeypatch.delenv(HELD_BY_CALLER)
    with results_lock(results, wait_seconds=5):
        pass


def test_a_lock_that_is_not_a_file_is_named(tmp_path):
    from compendium.pipeline.lock import results_lock

    (tmp_path / "results" / ".lock").mkdir(parents=True)
    with (
        pytest.raises(CompendiumError, match=r"\.lock: is not a file; expected the lock file of the runs"),
        results_lock(tmp_path / "results"),
    ):
        pass


# --- the command line -----------------------------------------------------------------------------


def test_every_unexpected_failure_is_one_error_line_with_exit_code_2(monkeypatch, capsys):
    from compendium import cli
    from compendium.pipeline import cli as run_cli

    def crash(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(run_cli, "main", crash)
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unexpected ZeroDivisionError: division by zero") and "Traceback" not in err
    with pytest.raises(ZeroDivisionError):
        cli.main(["--debug", "run"])


def test_run_list_shows_a_broken_notebook_and_exits_2(toy_stages, capsys):
    from compendium.pipeline.cli import _list

    write_notebook(toy_stages / "03_broken.ipynb", "x = = 1\n")
    assert _list(discover_stages(toy_stages), as_json=False) == 2
    captured = capsys.readouterr()
    assert "01_first" in captured.out and "scale = 1.0" in captured.out
    assert "error: " in captured.err and "03_broken.ipynb" in captured.err


def test_make_clean_without_reports(tmp_path):
    import shutil
    import subprocess

    shutil.copy(NOTEBOOKS_DIR.parent / "Makefile", tmp_path / "Makefile")
    done = subprocess.run(["make", "-s", "clean"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# --- notebooks run by hand -------------------------------------------------------------------------


def test_a_notebook_run_by_hand_writes_to_scratch_and_says_so():
    """Issue 22: only the runner writes reports/; every stage notebook's default output_dir is in scratch/."""
    from compendium.pipeline.scratch import where_outputs_go

    for stage in discover_stages(NOTEBOOKS_DIR):
        assert stage.parameters["output_dir"] == f"scratch/{stage.name}", stage.name
        assert "print(where_outputs_go(output_dir, results_dir))" in stage.path.read_text(encoding="utf-8")
    said = where_outputs_go("scratch/03_meta_analysis", "reports")
    assert said.startswith("Not run by compendium run: outputs go to scratch/03_meta_analysis")
    assert "reports is unchanged" in said
    assert "outputs go to reports/03_meta_analysis" in where_outputs_go("reports/.tmp/03_meta_analysis", "reports")
    with pytest.raises(CompendiumError, match="only `compendium run` writes"):
        where_outputs_go("reports/03_meta_analysis", "reports")


def test_labels_in_notebook_markdown_are_escaped():
    """Issue 24: a study label with HTML never becomes live HTML in a notebook's Markdown output."""
    from compendium.shared import markdown_text

    shown = markdown_text("Liao 2022<img src=x onerror=alert(10)>\u202e and <script>x</script> *bold*")
    assert "<" not in shown and ">" not in shown and "\u202e" not in shown and "\\*bold\\*" in shown
    notebook = (NOTEBOOKS_DIR / "04_mendelian_randomization.ipynb").read_text(encoding="utf-8")
    assert "markdown_text(reason)" in notebook and "{reason}" not in notebook


def test_exclude_studies_with_an_unknown_id_is_refused_before_anything_runs():
    declared = {"03_meta_analysis": {"raw_dir": "data/raw", "exclude_studies": []}}
    with pytest.raises(CompendiumError, match="'exclude_studies' \\(from -p\\) = 'braga2081' is not one of"):
        resolve_parameters(declared, [], ["exclude_studies=[braga2081]"])
    with pytest.raises(
        CompendiumError, match="'exclude_studies' .* is str; stage 03_meta_analysis declares it as list"
    ):
        resolve_parameters(declared, [], ["exclude_studies=braga2018"])


# --- the run record (Workflow Run RO-Crate) -------------------------------------------------------


def test_every_run_writes_a_workflow_run_crate(toy_stages, tmp_path):
    """Issue 22: reports/ro-crate-metadata.json, RO-Crate 1.1 with the Workflow Run Crate profiles 0.5,
    checked against the profiles' required entities (https://w3id.org/ro/wfrun/workflow/0.5)."""
    import compendium

    results = tmp_path / "results"
    _run(toy_stages, results, "scale=2.0")
    crate = json.loads((results / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    assert crate["@context"][0] == "https://w3id.org/ro/crate/1.1/context"
    graph = {entity["@id"]: entity for entity in crate["@graph"]}
    assert len(graph) == len(crate["@graph"])  # ids are unique
    descriptor = graph["ro-crate-metadata.json"]
    assert descriptor["conformsTo"] == {"@id": "https://w3id.org/ro/crate/1.1"} and descriptor["about"] == {"@id": "./"}
    root = graph["./"]
    assert "Dataset" in root["@type"]
    profiles = {p["@id"] for p in root["conformsTo"]}
    assert {"https://w3id.org/ro/wfrun/process/0.5", "https://w3id.org/ro/wfrun/workflow/0.5"} <= profiles
    assert all(graph[p]["@type"] == "CreativeWork" and graph[p]["version"] for p in profiles)
    workflow = graph[root["mainEntity"]["@id"]]
    assert {"File", "SoftwareSourceCode", "ComputationalWorkflow"} <= set(workflow["@type"])
    assert graph[workflow["programmingLanguage"]["@id"]]["@type"] == "ComputerLanguage"
    actions = [graph[m["@id"]] for m in root["mentions"]]
    assert all(a["@type"] == "CreateAction" for a in actions)
    whole = next(a for a in actions if a["instrument"] == root["mainEntity"])
    inputs = {o["@id"] for o in whole["object"]}
    assert any(i.endswith("review.yaml") for i in inputs) and any(graph[i]["@type"] == "Dataset" for i in inputs)
    values = [graph[i] for i in inputs if graph[i]["@type"] == "PropertyValue"]
    assert {"scale": 2.0}.items() <= {v["name"]: v["value"] for v in values}.items()
    assert all(graph[v["exampleOfWork"]["@id"]]["@type"] == "FormalParameter" for v in values)
    stages = [a for a in actions if a is not whole]
    assert [a["name"] for a in stages] == ["Run of stage 01_first", "Run of stage 02_second"]
    for action in stages:
        assert action["startTime"] <= action["endTime"] and action["result"] and action["object"]
        assert graph[action["instrument"]["@id"]]["@id"].endswith(".ipynb")
        assert action["engineVersion"] == compendium.__version__
    engine = next(e for e in graph.values() if e["@type"] == "SoftwareApplication")
    assert engine["softwareVersion"] == compendium.__version__
    # every entity referenced inside the crate is described in it
    referenced = {
        ref["@id"]
        for entity in graph.values()
        for value in entity.values()
        for ref in (value if isinstance(value, list) else [value])
        if isinstance(ref, dict) and "@id" in ref and not ref["@id"].startswith("http")
    }
    assert referenced <= set(graph), referenced - set(graph)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edits_with_old_times_always_rebuild(toy_stages, tmp_path, seed):
    """Issue 24: an edit to any input or output of a built pipeline, its modification time put back,
    is never taken as current (seeded: which file and where the byte changes)."""
    import os
    import random

    rng = random.Random(seed)
    results = tmp_path / "results"
    _run(toy_stages, results)
    candidates = [
        toy_stages.parent / "raw" / "data.csv",
        *sorted(toy_stages.glob("*.ipynb")),
        results / "01_first" / "tables" / "out.csv",
        results / "02_second" / "done.txt",
    ]
    for path in rng.sample(candidates, 3):
        before = path.stat()
        text = path.read_bytes()
        position = rng.randrange(len(text))
        edited = text[:position] + (b" " if text[position : position + 1] != b" " else b"\n") + text[position + 1 :]
        path.write_bytes(edited)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        stages, said, _ = _plan(toy_stages, results)
        assert stages, f"{path.name} edited at byte {position}: nothing re-run"
        path.write_bytes(text)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
