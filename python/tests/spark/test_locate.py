"""`campaign._locate.Carrying` without Spark: a task's failed results get the marks of the
rows their lines name, whatever the batches, and the marks of answered rows are let go."""

from __future__ import annotations

import pyarrow as pa

from campaign._locate import LOCATION, Carrying, _Marks


def _marked(values: list, marks: list) -> pa.RecordBatch:
    columns = {"value": pa.array(values, type=pa.int64()), LOCATION: pa.array(marks, type=pa.int64())}
    return pa.record_batch(columns)


def _answers(batches):
    """Answers each row in order, as an evaluation does: a negative value fails on its line
    (counted from 1 over the batches); a batch whose first value is 0 cannot be read at all and
    is one failed result on the line of its last row. Results come in batches of 2."""
    line, pending = 0, []
    for batch in batches:
        assert batch.schema.names == ["value"]
        values = batch.column(0).to_pylist()
        if values and values[0] == 0:
            line += len(values)
            pending.append(line)
        else:
            for value in values:
                line += 1
                pending.append(line if value < 0 else None)
        while len(pending) >= 2:
            yield pa.record_batch({"error_line": pa.array(pending[:2], type=pa.int64())})
            pending = pending[2:]
    if pending:
        yield pa.record_batch({"error_line": pa.array(pending, type=pa.int64())})


def test_each_failed_result_gets_the_mark_of_its_row():
    batches = [
        _marked([1, -1, 2], [100, 101, 102]),
        _marked([0, 5, 6], [200, 201, 202]),
        _marked([], []),
        _marked([-3, 4, -5], [300, 301, 302]),
    ]
    results = list(Carrying(_answers)(iter(batches)))
    assert [b.schema.names for b in results] == [["error_line", LOCATION]] * len(results)
    pairs = [p for b in results for p in zip(*(c.to_pylist() for c in b.columns))]
    assert pairs == [
        (None, None),
        (2, 101),
        (None, None),
        # The batch that cannot be read: one result, on the line of its last row.
        (6, 202),
        (7, 300),
        (None, None),
        (9, 302),
    ]


def test_the_marks_of_answered_rows_are_let_go():
    marks = _Marks()
    rows = iter(marks.taken_off(iter([_marked([1, 2, 3], [10, 11, 12]), _marked([4, -5], [13, 14])])))
    next(rows)
    first = marks.put_on(pa.record_batch({"error_line": pa.array([None, None], type=pa.int64())}))
    assert first.column(1).to_pylist() == [None, None]
    assert marks.first == 3 and sum(len(k) for k in marks.kept) == 1
    next(rows)
    last = marks.put_on(pa.record_batch({"error_line": pa.array([None, None, 5], type=pa.int64())}))
    assert last.column(1).to_pylist() == [None, None, 14]
    assert marks.first == 6 and sum(len(k) for k in marks.kept) == 0
