"""Campaigns evaluated over Arrow data.

``campaign.load(path)`` or ``campaign.loads(text)`` check a campaign and give a
:class:`Policy`; :meth:`Policy.evaluate` evaluates a table of facts (anything
that speaks the Arrow C stream interface: a pyarrow Table or RecordBatchReader,
a Polars DataFrame, a DuckDB relation) and gives the results as a pyarrow Table
with the columns of the command line's Parquet results (docs/cli.md, "Parquet
results"), the ``result`` column holding exactly the command line's NDJSON
object of each record, in input order. The Rust library decides every amount:
batches of rows, never single rows, cross into it, and the GIL is released
while it evaluates. ``campaign.spark`` runs a campaign on a Spark DataFrame.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Mapping, Optional, Union

import pyarrow as pa

from . import _campaign

__all__ = ["CampaignError", "Policy", "load", "loads"]
__version__ = _campaign.__version__


class CampaignError(Exception):
    """A campaign with errors. The message is the diagnostics rendered as
    ``campaign check`` renders them; ``diagnostics`` holds them as dictionaries
    (``code``, ``severity``, ``message``, ``help``, ``line``, ``column``,
    ``labels``)."""

    def __init__(self, rendered: str, diagnostics: list):
        super().__init__(rendered)
        self.diagnostics = diagnostics


class _Stream:
    """A capsule of an Arrow C stream, behind the PyCapsule protocol."""

    def __init__(self, capsule: Any):
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._capsule


def _capsule_of(data: Any) -> Any:
    if not hasattr(data, "__arrow_c_stream__"):
        raise TypeError(
            f"cannot read facts from {type(data).__name__}: pass an object with "
            "`__arrow_c_stream__` (a pyarrow Table or RecordBatchReader, a Polars "
            "DataFrame, a DuckDB relation)"
        )
    if not isinstance(data, (pa.Table, pa.RecordBatchReader)):
        # Through pyarrow's importer and exporter (no copy): it accepts what other producers
        # export (Polars gives buffers to null columns, which arrow-rs refuses).
        data = pa.RecordBatchReader.from_stream(data)
    return data.__arrow_c_stream__()


def _param_text(value: Any) -> str:
    # `--param NAME=VALUE` text: booleans as the language writes them.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Policy:
    """A checked campaign. Build one with :func:`load` or :func:`loads`."""

    def __init__(self, compiled: Any, text: str, name: str, warnings_: list):
        self._compiled = compiled
        self.text = text
        """The campaign's text (what ``campaign.spark`` ships to the executors)."""
        self.source_name = name
        self.warnings = warnings_
        """The campaign's warnings, as dictionaries like ``CampaignError.diagnostics``."""

    @property
    def name(self) -> str:
        """The campaign's name."""
        return self._compiled.name

    @property
    def needs_population(self) -> bool:
        """Whether results need every record at once (a budget or a ranking)."""
        return self._compiled.needs_population

    @property
    def uses_as_of(self) -> bool:
        """Whether the campaign reads the evaluation time (``as_of=`` is then required)."""
        return self._compiled.uses_as_of

    @property
    def uses_business_days(self) -> bool:
        """Whether the campaign counts business days (``holidays=`` is then required)."""
        return self._compiled.uses_business_days

    def evaluate_batches(
        self,
        data: Any,
        *,
        params: Optional[Mapping[str, Any]] = None,
        as_of: Optional[str] = None,
        holidays: Union[str, os.PathLike, None] = None,
        jobs: Optional[int] = None,
        facts_timezone: Optional[str] = None,
    ) -> pa.RecordBatchReader:
        """Evaluates the records of ``data`` as they come: a
        ``pyarrow.RecordBatchReader`` of the results, in input order.

        ``params`` maps parameter names to values (as ``--param NAME=VALUE``),
        ``as_of`` is the reference time (as ``--as-of``), ``holidays`` the path
        of a holiday file (as ``--holidays``), ``jobs`` the threads evaluating
        (as ``--jobs``; every core by default), ``facts_timezone`` the zone of
        timestamp columns without one (as ``--facts-timezone``).

        Raises ``ValueError`` for inputs the command line refuses (a parameter
        that does not exist, a column that cannot hold its fact...); a record
        that cannot be read or evaluated is a row whose ``error`` columns say
        why, as the command line's error objects do.
        """
        pairs = [(str(k), _param_text(v)) for k, v in (params or {}).items()]
        holiday_text = None
        if holidays is not None:
            with open(holidays, encoding="utf-8") as f:
                holiday_text = f.read()
        capsule, notes = self._compiled.evaluate_stream(
            _capsule_of(data), pairs, as_of, holiday_text, jobs, facts_timezone
        )
        for note in notes:
            warnings.warn(note, stacklevel=2)
        return pa.RecordBatchReader.from_stream(_Stream(capsule))

    def evaluate(self, data: Any, **options: Any) -> pa.Table:
        """Evaluates the records of ``data``: a ``pyarrow.Table`` of the results,
        in input order. Takes the options of :meth:`evaluate_batches`."""
        return self.evaluate_batches(data, **options).read_all()


def loads(text: str, *, name: str = "<campaign>") -> Policy:
    """Checks the campaign ``text`` (called ``name`` in diagnostics).

    Raises :class:`CampaignError` when it has errors."""
    compiled, rendered, diagnostics = _campaign.check(text, name)
    if compiled is None:
        raise CampaignError(rendered, diagnostics)
    return Policy(compiled, text, name, [d for d in diagnostics if d["severity"] == "warning"])


def load(path: Union[str, os.PathLike]) -> Policy:
    """Checks the campaign file at ``path``.

    Raises :class:`CampaignError` when it has errors."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return loads(text, name=os.fspath(path))
