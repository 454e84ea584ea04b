"""Tally ingest vs pandas (and DuckDB) on the same files, in the same run.

Each contender runs in its own child process so peak memory (max RSS) is its own.
Tally does the full job: layout detection, normalization (withheld markers, AOR codes,
method groups, dates), provenance columns and Parquet write. pandas and DuckDB only parse
the same pipe-delimited gzip files with the same 5-line banner skip.
"""
import argparse
import glob
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from measure import measured

# pandas read_csv as a user would call it: defaults, only the separator and the banner skip.
PANDAS = r"""
import glob, sys, pandas as pd
n = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.csv.gz")):
    n += len(pd.read_csv(path, sep="|", skiprows=5))
print(n)
"""

# For context: every column as text (closer to what Tally keeps), and the pyarrow engine.
PANDAS_TEXT = PANDAS.replace('skiprows=5)', 'skiprows=5, dtype=str, keep_default_na=False)')
PANDAS_PYARROW = PANDAS.replace('skiprows=5)', 'skiprows=5, engine="pyarrow")')

DUCKDB = r"""
import glob, sys, duckdb
con = duckdb.connect()
con.execute("SET threads TO 2")
n = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.csv.gz")):
    n += con.execute(
        "SELECT count(*) FROM read_csv(?, delim='|', skip=5, header=true, all_varchar=true)", [path]
    ).fetchone()[0]
print(n)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tally", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    files = sorted(glob.glob(args.data + "/*.csv.gz"))
    size = sum(os.path.getsize(f) for f in files)
    print(f"input: {len(files)} files, {size/1e6:.1f} MB gzip, {args.data}")
    print(f"machine: {os.cpu_count()} cores; best of {args.runs} runs each\n")

    results = {}
    tally_times, tally_rss = [], []
    kept_store = None
    for _ in range(args.runs):
        store = tempfile.mkdtemp(prefix="tally-bench-")
        t, rss, _ = measured([args.tally, "ingest", "--store", store, args.data])
        if kept_store:
            shutil.rmtree(store, ignore_errors=True)
        else:
            kept_store = store
        tally_times.append(t)
        tally_rss.append(rss)
    results["tally ingest (normalize + Parquet)"] = (min(tally_times), max(tally_rss), "")

    # The operation over the national FY2016-FY2019 store (issue: under a second here).
    op_times, op_rss = [], []
    for _ in range(args.runs):
        t, rss, _ = measured([args.tally, "operation", "run", "family-op-2019", "--store", kept_store, "--format", "json"])
        op_times.append(t)
        op_rss.append(rss)
    shutil.rmtree(kept_store, ignore_errors=True)

    rows = ""
    for name, script in [
        ("pandas read_csv (parse only)", PANDAS),
        ("pandas read_csv dtype=str", PANDAS_TEXT),
        ("pandas read_csv engine=pyarrow", PANDAS_PYARROW),
    ]:
        t_p, r_p = [], []
        for _ in range(args.runs):
            t, rss, rows = measured([sys.executable, "-c", script, args.data])
            t_p.append(t)
            r_p.append(rss)
        results[name] = (min(t_p), max(r_p), rows)

    try:
        import duckdb  # noqa: F401
        t_d, r_d = [], []
        for _ in range(args.runs):
            t, rss, rows_d = measured([sys.executable, "-c", DUCKDB, args.data])
            t_d.append(t)
            r_d.append(rss)
        results["duckdb read_csv count (parse only)"] = (min(t_d), max(r_d), rows_d)
    except ImportError:
        print("(duckdb not installed: skipped)")

    base = results["tally ingest (normalize + Parquet)"][0]
    print(f"{'contender':40} {'seconds':>8} {'vs tally':>9} {'peak MiB':>9}  rows")
    for name, (t, rss, n) in results.items():
        print(f"{name:40} {t:8.2f} {t/base:8.2f}x {rss:9.0f}  {n}")
    pandas_t = results["pandas read_csv (parse only)"][0]
    print(f"\ntally / pandas (default read_csv) time ratio: {base/pandas_t:.2f} (aim: at most 0.50)")
    print(f"tally operation run family-op-2019 on the national store: {min(op_times):.3f} s, peak {max(op_rss):.0f} MiB (aim: under 1 s)")


if __name__ == "__main__":
    main()
