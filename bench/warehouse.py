"""The figures of docs/warehouse.md: the Python package's overhead over the
command line, and Spark's records per second in local mode on 1 and 2 cores.

    python bench/warehouse.py cli-vs-python --policy P --facts F.parquet --campaign-bin BIN [--repeat 3]
    python bench/warehouse.py spark --policy P --facts F.parquet --cores 2 [--repeat 3] [--unlocated]

Run it with the Python where `campaign` is installed (`pip install ./python`);
the facts come from `campaign-data` (`generate`, then `to_parquet`), see
docs/warehouse.md, "Measurements". Wall times, the best of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time


def best(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def cli_vs_python(args) -> None:
    import pyarrow.parquet as pq

    import campaign

    policy = campaign.load(args.policy)
    rows = pq.ParquetFile(args.facts).metadata.num_rows
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "results.parquet")
        command = [args.campaign_bin, "evaluate", args.policy, "--facts", args.facts, "--format", "parquet",
                   "-o", out, "--jobs", str(args.jobs), "--quiet"]

        def cli():
            subprocess.run(command, check=True)

        def python():
            table = pq.read_table(args.facts)
            pq.write_table(policy.evaluate(table, jobs=args.jobs), out, compression="snappy")

        table = pq.read_table(args.facts)

        def evaluate_only():
            policy.evaluate(table, jobs=args.jobs)

        a = best(cli, args.repeat)
        b = best(python, args.repeat)
        c = best(evaluate_only, args.repeat)
    print(f"records {rows}, --jobs {args.jobs}")
    print(f"cli: Parquet in, Parquet out            {a:8.2f} s  {rows / a:12,.0f} records/s")
    print(f"python: read, evaluate, write Parquet   {b:8.2f} s  {rows / b:12,.0f} records/s  ({(b / a - 1) * 100:+.1f} %)")
    print(f"python: evaluate a Table in memory      {c:8.2f} s  {rows / c:12,.0f} records/s")


def spark(args) -> None:
    from pyspark.sql import SparkSession

    import campaign
    import campaign.spark

    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master(f"local[{args.cores}]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    policy = campaign.load(args.policy)
    if args.unlocated:
        # Without what places failed records in the DataFrame (`_locate.located`: a count of
        # the input's partitions joined with the failed results); the marks still travel.
        import campaign._locate as locate

        locate.located = lambda results, df: results.drop(locate.LOCATION)
    df = session.read.parquet(args.facts)
    rows = df.count()
    partitions = args.partitions or args.cores * 2
    df = df.repartition(partitions).cache()
    df.count()

    def run():
        # `--one-task`: the path rankings and budgets took before their stages (commit
        # 4e128e4): the records sorted by key into one partition, evaluated by one task.
        campaign.spark.evaluate(df, policy, _one_task=args.one_task).write.format("noop").mode("overwrite").save()

    seconds = best(run, args.repeat)
    print(f"spark local[{args.cores}], {partitions} partitions: {rows} records in {seconds:.2f} s, {rows / seconds:,.0f} records/s")
    session.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    a = sub.add_parser("cli-vs-python")
    a.add_argument("--policy", required=True)
    a.add_argument("--facts", required=True)
    a.add_argument("--campaign-bin", required=True)
    a.add_argument("--jobs", type=int, default=1)
    a.add_argument("--repeat", type=int, default=3)
    s = sub.add_parser("spark")
    s.add_argument("--policy", required=True)
    s.add_argument("--facts", required=True)
    s.add_argument("--cores", type=int, default=2)
    s.add_argument("--partitions", type=int, default=0)
    s.add_argument("--repeat", type=int, default=3)
    s.add_argument("--one-task", action="store_true", help="rankings and budgets on one task, as before their stages")
    s.add_argument("--unlocated", action="store_true", help="failed records not placed in the DataFrame")
    args = parser.parse_args()
    {"cli-vs-python": cli_vs_python, "spark": spark}[args.what](args)


if __name__ == "__main__":
    main()
