"""A campaign evaluated on a Spark DataFrame (docs/warehouse.md).

The Rust interpreter decides every amount, as on one machine: the campaign's
text is shipped to the executors and compiled there, and Spark only moves
Arrow batches between them (``mapInArrow``) and sorts keys.

- A campaign whose records are evaluated one at a time runs where the data is:
  each partition's batches are evaluated as they come.
- A campaign with rankings or budgets runs in global stages, each parallel over
  its groups (``campaign.eval.stages`` in the library):

  1. rankings: each record's entry in each ranking place (its group keys of
     ``within`` as text and its order keys) is computed where the record is;
     Spark groups the entries by place and group, and each group's entries are
     sorted (ties by ``key``) and numbered in Rust; the places go back to their
     records by a join;
  2. budgets: each record's claims on every budget (budget group, queue key and
     amount), given its places, are computed where the record is; then for each
     budget in declaration order Spark groups its claims by budget group, and
     each group's claims are put in the budget's queue order (ties by ``key``)
     and handed out by the library's own allocator, in Rust. A record whose
     claim cannot be handed out exactly fails, and its claims on the later
     budgets are removed (an anti-join) before theirs are handed out;
  3. each record is evaluated again where it is, with its places and what its
     claims came to.

  Two entries of one ranking group, or two claims of one budget group, with the
  same key are an error (their order would be Spark's choice). See
  docs/warehouse.md, "Budgets and rankings", for what each stage costs.

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
    _one_task: bool = False,
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
    if policy.needs_population and not _one_task:
        return _locate.located(_staged(df, policy, options, holiday_text, schema), df)
    task = _Task(policy.text, policy.source_name, options, holiday_text, population=policy.needs_population)
    marked = _locate.marked(df)
    if policy.needs_population:
        # The one-task path, kept for bench/warehouse.py's comparison (`--one-task`): every
        # record sorted by key into one partition, evaluated together.
        marked = marked.repartition(1).sortWithinPartitions("id")
    return _locate.located(marked.mapInArrow(_locate.Carrying(task), _locate.carrying_schema(schema)), df)


# The columns the stages add: where a record is in the input (its mark, Spark's
# `monotonically_increasing_id`: its partition and its row there, `campaign._locate`), its
# places and what its claims came to (the names the extension reads, `stages::RANKS` and
# `stages::ALLOTMENTS`, in the text format it documents).
_LOC = _locate.LOCATION
_RANKS = "__ranks"
_ALLOTMENTS = "__allotments"


def _staged(df: Any, policy: Policy, options: dict, holidays: Optional[str], schema: Any) -> Any:
    """The stages of a campaign with rankings or budgets."""
    compiled = policy._compiled
    stage = _Stage(policy.text, policy.source_name, options, holidays)
    records = _locate.marked(df)
    id_type = df.schema["id"].dataType
    if compiled.rank_places:
        records = _ranked(records, stage, id_type)
    given = records
    if compiled.budgets:
        given = records.join(_allotted(records, stage, compiled.budgets, id_type), on=_LOC, how="left")
    return given.mapInArrow(_locate.Carrying(stage.finish), _locate.carrying_schema(schema))


def _ranked(records: Any, stage: "_Stage", id_type: Any) -> Any:
    """`records` with their places: a shuffle of the ranking entries by place and group."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

    entries_schema = StructType(
        [
            StructField(_LOC, LongType(), False),
            StructField("id", id_type, True),
            StructField("place", IntegerType(), False),
            StructField("group", StringType(), False),
            StructField("order", StringType(), False),
        ]
    )
    placed_schema = StructType(
        [
            StructField(_LOC, LongType(), False),
            StructField("place", IntegerType(), False),
            StructField("rank", LongType(), False),
        ]
    )
    entries = records.mapInArrow(stage.rank_entries, entries_schema)

    # Spark counts the arguments of the function it is given (a bound method's `self` too).
    def rank(key: tuple, group_entries: pa.Table) -> pa.Table:
        return stage.rank(key, group_entries)

    placed = entries.groupBy("place", "group").applyInArrow(rank, placed_schema)
    item = F.concat(F.col("place").cast("string"), F.lit(":"), F.col("rank").cast("string"))
    ranks = placed.groupBy(_LOC).agg(F.concat_ws(",", F.collect_list(item)).alias(_RANKS))
    return records.join(ranks, on=_LOC, how="left")


def _allotted(records: Any, stage: "_Stage", budgets: list, id_type: Any) -> Any:
    """What the claims of `records` came to, by record: a shuffle of each budget's claims by
    budget group, the budgets in turn."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import BooleanType, IntegerType, LongType, StringType, StructField, StructType

    claims_schema = StructType(
        [
            StructField(_LOC, LongType(), False),
            StructField("id", id_type, True),
            StructField("reward", IntegerType(), False),
            StructField("group", StringType(), False),
            StructField("key", StringType(), False),
            StructField("amount", StringType(), False),
        ]
    )
    allotted_schema = StructType(
        [
            StructField(_LOC, LongType(), False),
            StructField("reward", IntegerType(), False),
            StructField("allotment", StringType(), True),
            StructField("failed", BooleanType(), True),
        ]
    )
    claims = records.mapInArrow(stage.claims, claims_schema)
    failed = None
    handed_out = None
    for i, reward in enumerate(budgets):
        queue = claims.filter(F.col("reward") == reward)
        if failed is not None:
            # A record whose claim on an earlier budget failed is out of this one's queue.
            queue = queue.join(failed, on=_LOC, how="left_anti")
        allotted = queue.groupBy("group").applyInArrow(stage.allotter(reward), allotted_schema)
        handed_out = allotted if handed_out is None else handed_out.unionByName(allotted)
        if i + 1 < len(budgets):
            lost = allotted.filter(F.col("failed")).select(_LOC)
            failed = lost if failed is None else failed.unionByName(lost)
    item = F.concat(F.col("reward").cast("string"), F.lit(" "), F.col("allotment"))
    return handed_out.groupBy(_LOC).agg(F.concat_ws("\n", F.collect_list(item)).alias(_ALLOTMENTS))


# Campaigns compiled in this worker, by text and name: a group's task compiles its campaign
# once, not once per group.
_COMPILED: dict = {}


class _Stage:
    """The stages of rankings and budgets (shipped to the executors by pickling)."""

    def __init__(self, text: str, name: str, options: dict, holidays: Optional[str]):
        self.text = text
        self.name = name
        self.params = [(str(k), _param_text(v)) for k, v in options["params"].items()]
        self.as_of = options["as_of"]
        self.holidays = holidays

    def _compiled(self) -> Any:
        key = (self.text, self.name)
        if key not in _COMPILED:
            _COMPILED[key] = loads(self.text, name=self.name)._compiled
        return _COMPILED[key]

    def _per_batch(self, batches: Iterator[pa.RecordBatch], run: Any) -> Iterator[tuple]:
        """Each batch's location column, its records, and what `run` gives for its records."""
        for batch in batches:
            location = batch.column(batch.schema.get_field_index(_LOC))
            records = batch.drop_columns([_LOC])
            capsule = run(_stream_of(records), self.params, self.as_of, self.holidays, None)
            found = pa.RecordBatchReader.from_stream(_Stream(capsule)).read_all()
            rows = found.column("row").combine_chunks()
            ids = records.column(records.schema.get_field_index("id")).take(rows)
            yield location.take(rows), ids, found

    def rank_entries(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Per partition: the ranking entries of each batch's records, with their key and place."""
        run = self._compiled().rank_entries_stream
        for location, ids, found in self._per_batch(batches, run):
            yield pa.RecordBatch.from_arrays(
                [
                    location,
                    ids,
                    found.column("place").combine_chunks().cast(pa.int32()),
                    found.column("group").combine_chunks(),
                    found.column("order").combine_chunks(),
                ],
                names=[_LOC, "id", "place", "group", "order"],
            )

    def rank(self, key: tuple, entries: pa.Table) -> pa.Table:
        """Per ranking group (``key``: the place and the group's keys): each entry's place."""
        place = key[0].as_py()
        capsule = self._compiled().rank_stream(
            place, _stream_of(entries.select(["id", "order"])), self.params, self.as_of, self.holidays
        )
        ranks = pa.RecordBatchReader.from_stream(_Stream(capsule)).read_all()
        return pa.table(
            {
                _LOC: entries.column(_LOC),
                "place": entries.column("place"),
                "rank": ranks.column("rank").cast(pa.int64()),
            }
        )

    def claims(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Per partition: the claims of each batch's records, given their places, with their
        key and place."""
        run = self._compiled().claims_stream
        for location, ids, found in self._per_batch(batches, run):
            yield pa.RecordBatch.from_arrays(
                [
                    location,
                    ids,
                    found.column("reward").combine_chunks().cast(pa.int32()),
                    found.column("group").combine_chunks(),
                    found.column("key").combine_chunks(),
                    found.column("amount").combine_chunks(),
                ],
                names=[_LOC, "id", "reward", "group", "key", "amount"],
            )

    def allotter(self, reward: int) -> Any:
        """The function that hands out one budget group of the budget of `reward`."""

        # Spark counts the arguments of the function it is given (a bound method's `self` too).
        def allot(key: tuple, claims: pa.Table) -> pa.Table:
            return self.allot(reward, key, claims)

        return allot

    def allot(self, reward: int, key: tuple, claims: pa.Table) -> pa.Table:
        """Per budget group (``key``, the group's name): what each claim came to."""
        group = key[0].as_py()
        capsule = self._compiled().allot_stream(
            reward,
            group,
            _stream_of(claims.select(["id", "key", "amount"])),
            self.params,
            self.as_of,
            self.holidays,
        )
        allotted = pa.RecordBatchReader.from_stream(_Stream(capsule)).read_all()
        return pa.table(
            {
                _LOC: claims.column(_LOC),
                "reward": pa.array([reward] * claims.num_rows, type=pa.int32()),
                "allotment": allotted.column("allotment"),
                "failed": allotted.column("failed"),
            }
        )

    def finish(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """The last stage, per partition of the records joined with what they are given (their
        marks taken off by ``_locate.Carrying``): the results."""
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
            True,
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
