"""A campaign evaluated on a Spark DataFrame (docs/warehouse.md).

The Rust interpreter decides every amount, as on one machine: the campaign's
text is shipped to the executors and compiled there, and Spark only moves
Arrow batches between them (``mapInArrow``) and sorts keys.

- A campaign whose records are evaluated one at a time runs where the data is:
  each partition's batches are evaluated as they come.
- A campaign with a ranking or a first-come-first-served budget (a pool) needs
  every record at once, in an order the CLI and Spark agree on: Spark sorts the
  records by ``key`` into one partition, whose task evaluates them together
  with the library's own allocator, as the command line does for its input
  sorted by ``key``. Two records with the same key are an error (their order
  would be Spark's choice). That one task is the price of exactness: see
  docs/warehouse.md, "Budgets and rankings".

The results have the columns of :meth:`campaign.Policy.evaluate`, in no
particular order (a warehouse table has none). A record that fails gives its
error columns as on one machine, but its ``line`` (``error_line``, and ``line``
in the ``result`` object) and the record batch and row its message names count
within its partition.

Spark's timestamps are microseconds; a fact that needs nanoseconds travels as
a string column, which the reader parses as the command line does.
"""

from __future__ import annotations

import itertools
import os
from typing import Any, Iterator, Mapping, Optional, Union

import pyarrow as pa

from . import Policy, loads

__all__ = ["evaluate"]


def evaluate(
    df: Any,
    policy: Policy,
    *,
    key: str = "id",
    params: Optional[Mapping[str, Any]] = None,
    as_of: Optional[str] = None,
    holidays: Union[str, os.PathLike, None] = None,
) -> Any:
    """Evaluates the records of the Spark DataFrame ``df`` with ``policy``: a
    DataFrame of the results, one row per record.

    ``key`` is the column that identifies a record (it becomes the results'
    ``id``, and breaks ties in rankings and budgets); ``params``, ``as_of`` and
    ``holidays`` are those of :meth:`campaign.Policy.evaluate` (the holiday
    file is read on the driver). The input's columns are checked on the
    driver before any task runs: a column that cannot hold its fact raises
    ``ValueError`` here.
    """
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    if key not in df.columns:
        raise ValueError(f"the DataFrame has no column `{key}` (the key)")
    if key != "id":
        if "id" in df.columns:
            raise ValueError(f"the DataFrame has a column `id` besides the key `{key}`: rename one of them")
        df = df.withColumnRenamed(key, "id")
    holiday_text = None
    if holidays is not None:
        with open(holidays, encoding="utf-8") as f:
            holiday_text = f.read()
    options = {"params": dict(params or {}), "as_of": as_of}
    zone = df.sparkSession.conf.get("spark.sql.session.timeZone")
    # The input's Arrow schema as the executors will see it; evaluating no rows checks the
    # columns against the facts and gives the results' schema.
    arrow_in = to_arrow_schema(df.schema, timezone=zone)
    empty = pa.Table.from_batches([], schema=arrow_in)
    results = policy.evaluate(empty, holidays=holidays, **options)
    schema = from_arrow_schema(results.schema, prefer_timestamp_ntz=False)
    task = _Task(policy.text, policy.source_name, options, holiday_text, population=policy.needs_population)
    if policy.needs_population:
        df = df.repartition(1).sortWithinPartitions("id")
    return df.mapInArrow(task, schema)


class _Task:
    """What each task runs: the campaign compiled once per task, its partition's
    batches evaluated as they come (shipped to the executors by pickling)."""

    def __init__(self, text: str, name: str, options: dict, holidays: Optional[str], population: bool):
        self.text = text
        self.name = name
        self.options = options
        self.holidays = holidays
        self.population = population

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import tempfile

        policy = loads(self.text, name=self.name)
        batches = iter(batches)
        first = next(batches, None)
        if first is None:
            return
        rest = itertools.chain([first], batches)
        if self.population:
            # Every record is read before any is evaluated anyway; the keys are checked first,
            # so that a key given twice fails the task (an error inside the stream would be
            # one failed row, as a file that breaks off is).
            population = list(rest)
            _check_unique_keys(population)
            rest = iter(population)
        reader = pa.RecordBatchReader.from_batches(first.schema, rest)
        options = dict(self.options)
        # One thread per task for records evaluated one at a time (Spark runs a task per
        # core); the whole population's task evaluates on every core it has.
        jobs = None if self.population else 1
        with tempfile.TemporaryDirectory() as tmp:
            if self.holidays is not None:
                path = os.path.join(tmp, "holidays.txt")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(self.holidays)
                options["holidays"] = path
            yield from policy.evaluate_batches(reader, jobs=jobs, **options)


def _check_unique_keys(batches: list) -> None:
    """Refuses the batches of a partition sorted by key at the first key given twice."""
    import pyarrow.compute as pc

    last = None
    for batch in batches:
        ids = batch.column(batch.schema.get_field_index("id"))
        if not len(ids):
            continue
        keys = pa.concat_arrays([pa.array([last], type=ids.type), ids]) if last is not None else ids
        same = pc.equal(keys.slice(1), keys.slice(0, len(keys) - 1))
        if pc.any(same).as_py():
            index = pc.index(same, True).as_py()
            raise ValueError(
                f"the key `{keys[index + 1].as_py()}` is given to two records: keys order the "
                "claims of rankings and budgets, so each must be unique"
            )
        last = ids[len(ids) - 1].as_py()
