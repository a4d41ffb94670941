"""Where a failed record is in the DataFrame that ``campaign.spark.evaluate`` was given.

A task that evaluates records numbers them from 1 in the order it reads them:
a failed record's ``error_line``, the ``line`` of its ``result`` object and the
"(record batch B, row R, of `the input`)" its message ends with count within
the task's partition, which for budgets and rankings is not even a partition of
the input. This module gives them the record's place in the DataFrame as given:
its partitions in order, the rows of each in order, counted from 1, which is
the line the command line reports for the same rows in the same order.

- :func:`marked` marks each row of the input with Spark's
  ``monotonically_increasing_id`` (its partition in the high bits, its row in
  the partition in the low 33) before any stage moves it.
- :class:`Carrying` wraps the last stage's task: it takes the mark off the
  batches the task reads and gives each failed result the mark of the row its
  ``error_line`` names (the task's results come in the order of its rows, so
  only the marks of rows not yet answered are kept).
- :func:`located` counts the rows of each input partition (another pass over
  the input, as the evaluation reads it: a shuffle of the input is the same
  shuffle, which Spark reuses), sums the counts of the partitions before each
  (over one row per partition), and joins only the failed results with these
  offsets (a broadcast): their place is the offset of their partition plus
  their row there. Successful results pass through untouched.

The message's location is written ``(row N of the DataFrame)``, N being the
place; the command line writes ``(record batch B, row R, of `the input`)`` for
an Arrow input, whose rows it counts from 1 across batches in ``line``.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterator

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["LOCATION", "Carrying", "carrying_schema", "located", "marked"]

LOCATION = "__location"
"""The column of a row's mark (``monotonically_increasing_id``); in the last stage's results,
the mark of a failed record's row, null for a record that did not fail."""

# `monotonically_increasing_id` puts the partition's index above the low 33 bits.
_ROW_BITS = 33
_ROW_MASK = (1 << _ROW_BITS) - 1

# What the message of a record that could not be read ends with, for Arrow batches
# (src/facts/columnar/job.rs, `located`), and the `line` a failed record's object starts with
# (src/report/json.rs).
_PLACE = r" \(record batch \d+, row \d+, of `the input`\)"
_ERROR_PLACE = _PLACE + "$"
# In the object, the message is the string value of the key `error` (JSON-escaped: an unescaped
# quote only ends a string, so the value is the escaped characters up to it).
_OBJECT_PLACE = r'("error":"(?:[^"\\]|\\.)*)' + _PLACE + '"'
_OBJECT_LINE = r'^\{"line":\d+,'

_PARTITION = "__partition"
_OFFSET = "__offset"
_ROWS = "__rows"
_UNREAD = "__unread"


def marked(df: Any) -> Any:
    """``df`` with each row's mark in the column :data:`LOCATION`."""
    from pyspark.sql import functions as F

    return df.withColumn(LOCATION, F.monotonically_increasing_id())


def carrying_schema(schema: Any) -> Any:
    """The Spark schema of the results ``schema`` with the column :data:`LOCATION`."""
    from pyspark.sql.types import LongType, StructField, StructType

    return StructType(list(schema.fields) + [StructField(LOCATION, LongType(), True)])


class Carrying:
    """A task (batches of marked rows to batches of results) run on the rows without their
    marks, its failed results given the mark of their row (shipped to the executors by
    pickling, with the task)."""

    def __init__(self, task: Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]):
        self.task = task

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        marks = _Marks()
        for results in self.task(marks.taken_off(batches)):
            yield marks.put_on(results)


class _Marks:
    """The marks of the rows a task has read and not yet answered, in order."""

    def __init__(self) -> None:
        # The task may read its rows on a thread of its own (the extension's run) while its
        # results are being marked here.
        self.lock = threading.Lock()
        self.kept: list = []
        # The line (1-based) of the first kept mark, and how many results were given.
        self.first = 1
        self.answered = 0

    def taken_off(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            index = batch.schema.get_field_index(LOCATION)
            with self.lock:
                self.kept.append(batch.column(index))
            yield batch.drop_columns([LOCATION])

    def put_on(self, results: pa.RecordBatch) -> pa.RecordBatch:
        lines = results.column(results.schema.get_field_index("error_line"))
        with self.lock:
            kept = pa.concat_arrays(self.kept) if self.kept else pa.array([], type=pa.int64())
            # A failed result names the line of its row; a result that did not fail gets no mark.
            mark = kept.take(pc.subtract(lines, self.first))
            self.kept = [kept]
            self.answered += results.num_rows
            self._forget()
        schema = results.schema.append(pa.field(LOCATION, pa.int64(), True))
        return pa.RecordBatch.from_arrays(list(results.columns) + [mark], schema=schema)

    def _forget(self) -> None:
        # Each result answers at least one row, in order (a batch whose rows cannot be read at
        # all is one failed result on the line of its last row): the next result's line is past
        # the results given so far, and the marks before it are no longer needed.
        done = self.answered - (self.first - 1)
        if done <= 0 or not self.kept:
            return
        kept = self.kept[0]
        drop = min(done, len(kept))
        self.kept = [kept.slice(drop)]
        self.first += drop


def located(results: Any, df: Any) -> Any:
    """The results of the marked rows of ``df`` (with the column :data:`LOCATION`), each failed
    record's line and message giving its place in ``df``; without the column."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    names = [n for n in results.columns if n != LOCATION]
    before = Window.orderBy(_PARTITION).rowsBetween(Window.unboundedPreceding, -1)
    offsets = _counts(df).select(_PARTITION, F.coalesce(F.sum(_ROWS).over(before), F.lit(0)).alias(_OFFSET))
    mark = F.col(LOCATION)
    # Only failed records have a mark, so only they meet the offsets.
    keyed = results.withColumn(_PARTITION, F.shiftrightunsigned(mark, _ROW_BITS).cast("int"))
    joined = keyed.join(F.broadcast(offsets), on=_PARTITION, how="left")
    place = (F.col(_OFFSET) + mark.bitwiseAND(F.lit(_ROW_MASK)) + F.lit(1)).cast("long")
    text = place.cast("string")
    worded = F.concat(F.lit(" (row "), text, F.lit(" of the DataFrame)"))
    rewritten = {
        "error_line": place,
        "error": F.regexp_replace("error", F.lit(_ERROR_PLACE), worded),
        "result": F.regexp_replace(
            F.regexp_replace("result", F.lit(_OBJECT_LINE), F.concat(F.lit('{"line":'), text, F.lit(","))),
            F.lit(_OBJECT_PLACE),
            F.concat(F.lit("$1"), worded, F.lit('"')),
        ),
    }
    failed = mark.isNotNull()
    return joined.select(
        [F.when(failed, rewritten[n]).otherwise(F.col(n)).alias(n) if n in rewritten else F.col(n) for n in names]
    )


def _counts(df: Any) -> Any:
    """The number of rows of each partition of ``df`` (a partition without rows has none)."""
    from pyspark.sql import functions as F

    partition = F.spark_partition_id()
    # Every column is referenced, by an expression never evaluated (a partition's number is
    # never negative) that Spark cannot see through: a count that read no column would let
    # Spark prune the columns below a shuffle of the input, and that shuffle, no longer the one
    # the evaluation reads, could be coalesced into other partitions by adaptive execution.
    # With every column, it is the same shuffle, which Spark reuses.
    unread = F.when(partition < 0, F.struct("*"))
    counted = df.select(partition.alias(_PARTITION), unread.alias(_UNREAD)).groupBy(_PARTITION)
    return counted.agg((F.count(F.lit(1)) + F.count(_UNREAD)).alias(_ROWS))
