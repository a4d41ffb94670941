"""A campaign evaluated on a Spark DataFrame (docs/warehouse.md).

The Rust interpreter decides every amount, as on one machine: the campaign's
text is shipped to the executors and compiled there, and Spark only moves
Arrow batches between them (``mapInArrow``) and sorts keys.

- A campaign whose records are evaluated one at a time runs where the data is:
  each partition's batches are evaluated as they come.
- A campaign with one budget and no ranking runs in three stages: each record's
  claim on the budget (its budget group, queue key and amount) is computed
  where the record is; Spark groups the claims by budget group, and each
  group's claims are put in the budget's queue order (ties by ``key``) and
  handed out by the library's own allocator, in Rust; then each record is
  evaluated again where it is, with what its claim came to. Two claims of one
  group with the same key are an error (their order would be Spark's choice).
- A campaign with a ranking, or with two budgets, needs every record at once:
  Spark sorts the records by ``key`` into one partition, whose task evaluates
  them together, as the command line does for its input sorted by ``key``. Two
  records with the same key are an error. See docs/warehouse.md, "Budgets and
  rankings", for why and what each costs.

The results have the columns of :meth:`campaign.Policy.evaluate`, in no
particular order (a warehouse table has none). A record that fails gives its
error columns as on one machine, located in the DataFrame as given (its
partitions in order, the rows of each in order, counted from 1): that place is
its ``error_line`` and the ``line`` of its ``result`` object, as the command
line's line for the same rows in the same order, and its message ends with
``(row N of the DataFrame)`` where the command line names the record batch and
row of its input (``campaign._locate``; the input must give the same rows in
the same partitions each time it is read, as a table or files do).

Spark's timestamps are microseconds; a fact that needs nanoseconds travels as
a string column, which the reader parses as the command line does.
"""

from __future__ import annotations

import itertools
import os
from typing import Any, Iterator, Mapping, Optional, Union

import pyarrow as pa

from . import Policy, _locate, _param_text, _Stream, loads

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
    reward = policy._compiled.budget_by_group
    if reward is not None:
        return _locate.located(_by_group(df, policy, reward, options, holiday_text, schema), df)
    task = _Task(policy.text, policy.source_name, options, holiday_text, population=policy.needs_population)
    marked = _locate.marked(df)
    if policy.needs_population:
        marked = marked.repartition(1).sortWithinPartitions("id")
    return _locate.located(marked.mapInArrow(_locate.Carrying(task), _locate.carrying_schema(schema)), df)


# The columns the stages of a budget per group add: where a record is in the input (Spark's
# `monotonically_increasing_id`: its partition and its row there), and what its claim came to
# (the name the extension reads, `stream::ALLOTMENT`).
_LOC = _locate.LOCATION
_ALLOTMENT = "__allotment"


def _by_group(df: Any, policy: Policy, reward: int, options: dict, holidays: Optional[str], schema: Any) -> Any:
    """The stages of a campaign whose one budget is handed out per budget group."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    marked = df.withColumn(_LOC, F.monotonically_increasing_id())
    id_type = df.schema["id"].dataType
    claims_schema = StructType(
        [
            StructField(_LOC, LongType(), False),
            StructField("id", id_type, True),
            StructField("group", StringType(), False),
            StructField("key", StringType(), False),
            StructField("amount", StringType(), False),
        ]
    )
    allotted_schema = StructType([StructField(_LOC, LongType(), False), StructField(_ALLOTMENT, StringType(), True)])
    stage = _Stage(policy.text, policy.source_name, options, holidays, reward)
    claims = marked.mapInArrow(stage.claims, claims_schema)

    # Spark counts the arguments of the function it is given (a bound method's `self` too).
    def allot(key: tuple, group_claims: pa.Table) -> pa.Table:
        return stage.allot(key, group_claims)

    allotted = claims.groupBy("group").applyInArrow(allot, allotted_schema)
    joined = marked.join(allotted, on=_LOC, how="left")
    return joined.mapInArrow(_locate.Carrying(stage.finish), _locate.carrying_schema(schema))


# Campaigns compiled in this worker, by text and name: a group's task compiles its campaign
# once, not once per group.
_COMPILED: dict = {}


class _Stage:
    """The three stages of a budget per group (shipped to the executors by pickling)."""

    def __init__(self, text: str, name: str, options: dict, holidays: Optional[str], reward: int):
        self.text = text
        self.name = name
        self.params = [(str(k), _param_text(v)) for k, v in options["params"].items()]
        self.as_of = options["as_of"]
        self.holidays = holidays
        self.reward = reward

    def _compiled(self) -> Any:
        key = (self.text, self.name)
        if key not in _COMPILED:
            _COMPILED[key] = loads(self.text, name=self.name)._compiled
        return _COMPILED[key]

    def claims(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Stage 1, per partition: the claims of each batch's records, with their key and place."""
        compiled = self._compiled()
        for batch in batches:
            location = batch.column(batch.schema.get_field_index(_LOC))
            records = batch.drop_columns([_LOC])
            capsule = compiled.claims_stream(
                _stream_of(records), self.params, self.as_of, self.holidays, None
            )
            found = pa.RecordBatchReader.from_stream(_Stream(capsule)).read_all()
            rows = found.column("row").combine_chunks()
            yield pa.RecordBatch.from_arrays(
                [
                    location.take(rows),
                    records.column(records.schema.get_field_index("id")).take(rows),
                    found.column("group").combine_chunks(),
                    found.column("key").combine_chunks(),
                    found.column("amount").combine_chunks(),
                ],
                names=[_LOC, "id", "group", "key", "amount"],
            )

    def allot(self, key: tuple, claims: pa.Table) -> pa.Table:
        """Stage 2, per budget group (``key``, the group's name): what each claim came to."""
        compiled = self._compiled()
        group = key[0].as_py()
        capsule = compiled.allot_stream(
            self.reward,
            group,
            _stream_of(claims.select(["id", "key", "amount"])),
            self.params,
            self.as_of,
            self.holidays,
        )
        allotted = pa.RecordBatchReader.from_stream(_Stream(capsule)).read_all()
        return pa.table({_LOC: claims.column(_LOC), _ALLOTMENT: allotted.column("allotment")})

    def finish(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Stage 3, per partition of the records joined with their allotments (their marks
        taken off by ``_locate.Carrying``): the results."""
        compiled = self._compiled()
        batches = iter(batches)
        first = next(batches, None)
        if first is None:
            return
        rest = itertools.chain([first], batches)
        capsule, _ = compiled.evaluate_stream(
            pa.RecordBatchReader.from_batches(first.schema, rest).__arrow_c_stream__(),
            self.params,
            self.as_of,
            self.holidays,
            1,
            None,
            self.reward,
        )
        yield from pa.RecordBatchReader.from_stream(_Stream(capsule))


def _stream_of(data: Any) -> Any:
    """The Arrow C stream of a record batch or table."""
    if isinstance(data, pa.RecordBatch):
        data = pa.RecordBatchReader.from_batches(data.schema, [data])
    return data.__arrow_c_stream__()


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
