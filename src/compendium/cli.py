"""The ``compendium`` command: one sub-command per task.

Each sub-command lives beside the code it drives, in a ``cli`` module that defines
``add_parser(subparsers)``; that function registers the sub-command and sets
``func`` to a ``main(args) -> int``. Heavy imports (numpy, pandas, papermill) happen inside
``main`` so that ``compendium --help`` and ``compendium <cmd> --help`` start in a blink.

Every failure of every sub-command ends the same way: one ``error: ...`` line (or a few, for a
list of problems) on stderr and exit code 2; the traceback is printed only with the global
``--debug`` option (``compendium --debug run ...``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from compendium.errors import CompendiumError

#: sub-command modules, in the order ``compendium --help`` lists them
SUBCOMMAND_MODULES = [
    "compendium.pipeline.cli",
    "compendium.data.cli",
    "compendium.mr.cli",
    "compendium.bias.cli",
    "compendium.meta.cli",
    "compendium.cochrane.cli",
    "compendium.evidence.cli",
    "compendium.scaffold.cli",
]

#: BLAS threads of every command and of the notebook kernels it starts, unless the user set them.
#: The compendium's BLAS work is p x p matrices and length-k products: memory-bound, where a second
#: thread brings nothing, and on a machine whose other core is busy OpenBLAS's threads wait for it
#: (measured, 2 cores, one busy: a (1, 10^6) x (10^6, 1) product 8.2 ms with two threads, 0.22 ms
#: with one; `compendium meta` at k = 10^6 0.7-1.3 s against 0.5 s). One thread also makes the
#: floating-point order of every product the same on every machine.
BLAS_THREAD_VARIABLES = {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: exit code of every failure (bad input, failed stage, unexpected error), as argparse uses for usage errors
FAILURE_EXIT_CODE = 2
#: exit code after Ctrl-C (128 + SIGINT), the shell convention
INTERRUPTED_EXIT_CODE = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="compendium",
        description="Research compendium: run the pipeline and its analyses.",
    )
    parser.add_argument("--debug", action="store_true", help="print the full traceback when a command fails")
    parser.add_argument(
        "--project",
        metavar="DIR",
        help="the review folder to work on (default: the nearest folder at or above the working directory "
        "holding a review.yaml)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def describe_failure(error: BaseException) -> str:
    """The one-line explanation printed after ``error:`` for an exception a command raised.

    Our own :class:`CompendiumError` already says what went wrong and where; an operating-system
    error names the file and the system's reason (``No space left on device``); anything else is
    a bug, shown by type and message with a pointer to ``--debug``.

    Examples
    --------
    >>> describe_failure(CompendiumError("data.csv, row 2 (line 3), column 'n': expected an integer, got 'x'"))
    "data.csv, row 2 (line 3), column 'n': expected an integer, got 'x'"
    >>> describe_failure(OSError(28, "No space left on device", "reports/01_ingest/tables/arms.csv"))
    'reports/01_ingest/tables/arms.csv: No space left on device'
    """
    if isinstance(error, CompendiumError):
        return str(error)
    if isinstance(error, OSError) and error.strerror:
        where = f"{error.filename}: " if error.filename is not None else ""
        return f"{where}{error.strerror}"
    return (
        f"unexpected {type(error).__name__}: {error} (this is a bug; run with --debug for the traceback and report it)"
    )


def main(argv: list[str] | None = None) -> int:
    if "numpy" not in sys.modules:  # the variables are read when numpy loads its BLAS
        for name, value in BLAS_THREAD_VARIABLES.items():
            os.environ.setdefault(name, value)
    args = build_parser().parse_args(argv)
    try:
        if args.project:
            from compendium.paths import set_project

            set_project(args.project)
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # the reader went away (`compendium run --list | head`): not a failure of the command; as the
        # Python documentation advises, stop writing to the closed pipe and exit with status 1
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("error: interrupted", file=sys.stderr)
        return INTERRUPTED_EXIT_CODE
    except Exception as error:  # noqa: BLE001 - the one place where every failure becomes a message
        if args.debug:
            raise
        print(f"error: {describe_failure(error)}", file=sys.stderr)
        return FAILURE_EXIT_CODE


if __name__ == "__main__":
    sys.exit(main())
