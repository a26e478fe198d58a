"""``compendium meta``: JSON contract, metafor agreement through the CLI, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compendium.cli import main
from metafor_ref import CLOSED, ITERATIVE, arr, assert_close, load

KEYS = [
    "k",
    "method",
    "test",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "pval",
    "tau2",
    "tau2_ci_low",
    "tau2_ci_high",
    "i2",
    "h2",
    "q",
    "q_pval",
    "pi_low",
    "pi_high",
]


@pytest.fixture
def bcg_csv(tmp_path: Path) -> Path:
    inputs = load("dat.bcg")["inputs"]  # test fixture: metadat dat.bcg (Colditz et al. 1994)
    path = tmp_path / "bcg.csv"
    frame = pd.DataFrame(inputs)
    frame["yi"], frame["vi"] = arr(load("dat.bcg")["yi"]), arr(load("dat.bcg")["vi"])
    frame.to_csv(path, index=False)
    return path


def _run(capsys: pytest.CaptureFixture, argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_contract_and_values(bcg_csv: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = _run(
        capsys,
        [
            "meta",
            str(bcg_csv),
            "--measure",
            "RR",
            "--ai",
            "tpos",
            "--bi",
            "tneg",
            "--ci",
            "cpos",
            "--di",
            "cneg",
            "--slab",
            "author",
            "--leave1out",
            "--egger",
            "--trimfill",
            "--json",
        ],
    )
    assert code == 0
    result = json.loads(out)
    assert list(result)[: len(KEYS)] == KEYS
    ref = load("dat.bcg")
    model = ref["models"]["REML_knha"]  # metafor rma(yi, vi, test="knha")
    assert_close(result["estimate"], model["beta"], ITERATIVE)
    assert_close(result["i2"], model["I2"], ITERATIVE)
    assert_close(result["pi_low"], model["pi.lb"], ITERATIVE)
    assert [row["omitted"] for row in result["leave1out"]][0] == "Aronson"
    assert set(result["leave1out"][0]) == {"omitted", "estimate", "se", "tau2", "i2"}
    assert_close(
        [r["estimate"] for r in result["leave1out"]],
        ref["diagnostics"]["REML_knha"]["leave1out"]["estimate"],
        ITERATIVE,
    )
    assert set(result["egger"]) == {"z", "pval"}
    assert_close(result["egger"]["z"], ref["diagnostics"]["REML_knha"]["regtest"]["zval"], ITERATIVE)
    assert set(result["trimfill"]) == {"k0", "side", "estimate", "se"}


def test_yi_vi_dl_z_and_mods(bcg_csv: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = _run(
        capsys,
        [
            "meta",
            str(bcg_csv),
            "--yi",
            "yi",
            "--vi",
            "vi",
            "--method",
            "DL",
            "--test",
            "z",
            "--mods",
            "ablat",
            "--json",
        ],
    )
    assert code == 0
    result = json.loads(out)
    expected = load("dat.bcg")["metareg"]["ablat"]["DL_z"]
    assert [c["name"] for c in result["coefficients"]] == ["intrcpt", "ablat"]
    assert_close([c["estimate"] for c in result["coefficients"]], expected["beta"], CLOSED)
    assert_close(result["qm"], expected["QM"], CLOSED)
    assert_close(result["qm_pval"], expected["QMp"], CLOSED)


def test_sei_and_level(bcg_csv: Path, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    frame = pd.read_csv(bcg_csv)
    frame["sei"] = np.sqrt(frame["vi"])
    path = tmp_path / "sei.csv"
    frame.to_csv(path, index=False)
    code, out, _ = _run(
        capsys,
        ["meta", str(path), "--yi", "yi", "--sei", "sei", "--method", "FE", "--test", "z", "--level", "90", "--json"],
    )
    result = json.loads(out)
    fe = load("dat.bcg")["models"]["FE_z"]
    assert code == 0 and result["pi_low"] is None and result["tau2_ci_low"] is None
    assert_close(result["estimate"], fe["beta"], CLOSED)
    assert_close(result["ci_low"], arr(fe["beta"])[0] - 1.6448536269514722 * arr(fe["se"])[0], 1e-9)


def test_readable_summary(bcg_csv: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = _run(capsys, ["meta", str(bcg_csv), "--yi", "yi", "--vi", "vi"])
    assert code == 0 and "Random-Effects Model (k = 13; tau^2 estimator: REML)" in out


@pytest.mark.parametrize(
    ("edit", "args", "message"),
    [
        (None, ["--yi", "yi", "--vi", "nope"], "missing column 'nope'"),
        ("text", ["--yi", "yi", "--vi", "vi"], "row 3 (line 4), column 'vi': expected a number, got 'abc'"),
        ("zero", ["--yi", "yi", "--vi", "vi"], "row 2 (line 3), column 'vi': expected a sampling variance > 0"),
        ("empty", ["--yi", "yi", "--vi", "vi"], "k = 0"),
        (None, ["--yi", "yi"], "exactly one of --vi or --sei"),
        (None, ["--measure", "OR", "--ai", "tpos"], "needs --bi --ci --di"),
    ],
)
def test_bad_input(
    bcg_csv: Path, capsys: pytest.CaptureFixture, edit: str | None, args: list[str], message: str
) -> None:
    frame = pd.read_csv(bcg_csv)
    if edit == "text":
        frame["vi"] = frame["vi"].astype(object)
        frame.loc[2, "vi"] = "abc"
    elif edit == "zero":
        frame.loc[1, "vi"] = 0.0
    elif edit == "empty":
        frame = frame.iloc[0:0]
    frame.to_csv(bcg_csv, index=False)
    code, _, err = _run(capsys, ["meta", str(bcg_csv), *args])
    assert code == 2
    assert err.startswith("error: ") and message in err
    if edit is not None or "nope" in args:
        assert str(bcg_csv) in err


def test_missing_file(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, _, err = _run(capsys, ["meta", str(tmp_path / "none.csv"), "--yi", "a", "--vi", "b"])
    assert code == 2 and "no such file" in err


def test_level_as_a_proportion_matches_percent(bcg_csv: Path, capsys: pytest.CaptureFixture) -> None:
    # issue 15: --level 0.95 gave a 0.95% interval; metafor reads 0.95 (and 0.05) as 95%
    results = []
    for level in ("95", "0.95", "0.05"):
        code, out, _ = _run(capsys, ["meta", str(bcg_csv), "--yi", "yi", "--vi", "vi", "--level", level, "--json"])
        assert code == 0
        results.append(json.loads(out))
    assert results[0]["ci_low"] == results[1]["ci_low"] == results[2]["ci_low"]
    assert results[1]["level"] == 95.0
    code, _, err = _run(capsys, ["meta", str(bcg_csv), "--yi", "yi", "--vi", "vi", "--level", "100"])
    assert code == 2 and "level must be above 0 and below 100" in err


def test_missing_rows_omitted_with_warning_or_refused(bcg_csv: Path, capsys: pytest.CaptureFixture) -> None:
    frame = pd.read_csv(bcg_csv)
    frame.loc[3, "vi"] = np.nan
    frame.to_csv(bcg_csv, index=False)
    code, out, err = _run(capsys, ["meta", str(bcg_csv), "--yi", "yi", "--vi", "vi", "--slab", "author", "--json"])
    result = json.loads(out)
    assert code == 0 and result["k"] == 12
    assert err.startswith("warning: 1 of 13 studies omitted") and "row 4 (Hart & Sutherland): 'vi'" in err
    assert any("row 4 (Hart & Sutherland)" in note for note in result["notes"])
    code, _, err = _run(capsys, ["meta", str(bcg_csv), "--yi", "yi", "--vi", "vi", "--na-action", "fail"])
    assert code == 2 and "row 4 (line 5), column 'vi'" in err


def _arms_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "arms.csv"  # SYNTHETIC arm-level data for the CLI's error paths
    path.write_text("study,m1,s1,n1,m2,s2,n2\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


ARM_ARGS = [
    "--measure",
    "SMD",
    "--m1i",
    "m1",
    "--sd1i",
    "s1",
    "--n1i",
    "n1",
    "--m2i",
    "m2",
    "--sd2i",
    "s2",
    "--n2i",
    "n2",
    "--slab",
    "study",
]


def test_smd_with_zero_sds_names_the_sd_columns(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = _arms_csv(tmp_path, ["A,10,2,20,8,2.5,22", "B,11,0,15,9,0,15", "C,12,3,30,10,3,31"])
    code, _, err = _run(capsys, ["meta", str(path), *ARM_ARGS])
    assert code == 2
    assert "row 2 (line 3), columns 's1' and 's2': expected at least one standard deviation > 0" in err
    assert "'yi'" not in err


def test_smd_missing_sd_is_named_by_its_column(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = _arms_csv(tmp_path, ["A,10,2,20,8,2.5,22", "B,11,1,15,9,,15", "C,12,3,30,10,3,31", "D,9,2,25,8,2,25"])
    code, out, err = _run(capsys, ["meta", str(path), *ARM_ARGS, "--json"])
    assert code == 0 and json.loads(out)["k"] == 3
    assert "row 2 (B): 's2'" in err


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["1e300,1e-300", "0.2,0.1", "0.3,0.2"], "row 1 (line 2), column 'yi': expected a value of magnitude"),
        (["0.1,1e-300", "0.2,0.1", "0.3,0.2"], "row 1 (line 2), column 'vi': expected a sampling variance > 0"),
    ],
)
def test_absurd_values_give_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture, rows: list[str], message: str
) -> None:
    path = tmp_path / "absurd.csv"
    path.write_text("yi,vi\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code, _, err = _run(capsys, ["meta", str(path), "--yi", "yi", "--vi", "vi"])
    assert code == 2 and message in err and "Traceback" not in err


def test_identical_studies_give_notes_for_egger_and_trimfill(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "same.csv"
    path.write_text("yi,vi\n" + "0.3,0.1\n" * 50, encoding="utf-8")
    code, out, _ = _run(
        capsys, ["meta", str(path), "--yi", "yi", "--vi", "vi", "--egger", "--trimfill", "--leave1out", "--json"]
    )
    result = json.loads(out)
    assert code == 0 and result["estimate"] == pytest.approx(0.3)
    assert result["egger"]["z"] is None and "same sampling variance" in result["egger"]["note"]
    assert result["trimfill"]["k0"] is None and "same sampling variance" in result["trimfill"]["note"]


def test_cli_module_imports_no_heavy_packages() -> None:
    import subprocess
    import sys

    code = "import sys, compendium.meta.cli; print(sorted(m for m in ('pandas', 'scipy', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_command_help_starts_without_heavy_packages() -> None:
    """Issue 12's start-up budget: building the parser of every command (``compendium --help``, which imports
    each command's module, the Cochrane readers among them) loads none of pandas, scipy or numpy."""
    import subprocess
    import sys

    code = (
        "import contextlib, io, sys\n"
        "from compendium.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "print(sorted(m for m in ('pandas', 'scipy', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_commands_run_blas_single_threaded_unless_the_user_chose() -> None:
    """Issue 12: the command sets one BLAS thread (inherited by notebook kernels) before numpy loads,
    and leaves a value the user set alone."""
    import os
    import subprocess
    import sys

    code = (
        "import os; from compendium.cli import main; main(['meta', 'no-such-file.csv', '--yi', 'y', '--vi', 'v']); "
        "print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['MKL_NUM_THREADS'])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.split() == ["1", "1"]
    chosen = env | {"OPENBLAS_NUM_THREADS": "2"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=chosen)
    assert out.stdout.split() == ["2", "1"]
