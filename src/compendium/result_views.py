"""``to_frame()`` and a readable ``__str__`` for the engines' result classes, from their ``to_dict()``.

Every result class of the engines (``meta``, ``mr``, ``bias``) answers ``to_dict()`` (plain Python
values, ``NaN`` as ``None``), ``to_frame()`` (a pandas DataFrame) and ``str()`` (a short print, in the
spirit of metafor's). A class with its own richer views (``MetaResult``, ``MRResults``) defines them
itself; the others inherit these from :class:`ResultViews`. It imports nothing from the package and
pandas only when a frame is asked for, so an engine that avoids pandas at import keeps doing so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def _text(value: object) -> str:
    if value is None:
        return "NA"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(item) for item in value) or "none"
    return str(value)


class ResultViews:
    """Mixin: ``to_frame()`` is ``to_dict()`` as one row; ``str()`` the class's one-line description,
    then one ``name: value`` line per entry (numbers to 4 significant digits, missing as NA)."""

    def to_dict(self) -> Mapping[str, object]:
        """The result as plain Python values (defined by each result class)."""
        raise NotImplementedError(f"{type(self).__name__} defines no to_dict()")

    def to_frame(self) -> pd.DataFrame:
        """:meth:`to_dict` as a one-row DataFrame (its keys are the columns)."""
        import pandas as pd

        return pd.DataFrame([dict(self.to_dict())])

    def __str__(self) -> str:
        title = (type(self).__doc__ or type(self).__name__).strip().splitlines()[0].replace("``", "")
        entries = self.to_dict()
        width = max((len(name) for name in entries), default=0)
        return "\n".join([title, *(f"  {name:<{width}}  {_text(value)}" for name, value in entries.items())])
