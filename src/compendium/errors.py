"""The one exception type users see: a clear message, a non-zero exit, no traceback."""


class CompendiumError(Exception):
    """Bad input or a failed stage. The message names the file, row, column and what was expected."""

    exit_code = 2
