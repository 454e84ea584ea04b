"""Detention stays from stints: Tally vs DuckDB and pandas on the same store, same run.

Writes SYNTHETIC stints with `tally synth` (DDP's processed layout, with planted ongoing,
overlapping and identifier-less stays, people detained again, disagreeing Stay Book Ins
and exact copies), ingests them with Tally, then counts stays by AOR:

- Tally: `tally count detention-stays --by aor`, a whole process each time (exact copies
  merged, stays built per person, precedence checked);
- DuckDB on Tally's own Parquet files: the same rule in SQL, which on these rows (every
  stint carries the release's Stay Book In) is: exact copies out (DISTINCT over the
  released columns), one stay per (person, Stay Book In), each stint without a person a
  stay of its own, placed in the AOR of its earliest stint;
- pandas on the same Parquet: drop_duplicates, then the same grouping.

Every contender runs in its own process (peak memory is its own) and the counts must
agree, AOR by AOR.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from measure import measured

COLUMNS = "unique_identifier, book_in_date_time, book_out_date_time, stay_book_in_date_time, stay_book_out_date_time, detention_facility, detention_facility_code, detention_release_reason, aor_name, aor, book_in_criminality"

DUCKDB = r"""
import sys, duckdb
con = duckdb.connect()
con.execute("SET threads TO 2")
con.execute("SET enable_progress_bar = false")
store = sys.argv[1]
src = f"read_parquet('{store}/detention-stints/**/*.parquet', hive_partitioning=true, union_by_name=true)"
q = f'''
WITH d AS (SELECT DISTINCT COLUMNS_HERE FROM {src}),
st AS (
  SELECT arg_min(aor, book_in_date_time) AS aor FROM d WHERE unique_identifier IS NOT NULL
    GROUP BY unique_identifier, stay_book_in_date_time
  UNION ALL SELECT aor FROM d WHERE unique_identifier IS NULL)
SELECT aor, count(*) FROM st GROUP BY aor ORDER BY aor'''.replace("COLUMNS_HERE", sys.argv[2])
for aor, n in con.execute(q).fetchall():
    print(f"{aor},{n}")
"""

PANDAS = r"""
import sys, pandas as pd
store = sys.argv[1]
cols = [c.strip() for c in sys.argv[2].split(",")]
df = pd.read_parquet(store + "/detention-stints", columns=cols).drop_duplicates()
has = df["unique_identifier"].notna()
first = (df[has].sort_values("book_in_date_time")
         .groupby(["unique_identifier", "stay_book_in_date_time"], sort=False)["aor"].first())
counts = pd.concat([first, df.loc[~has, "aor"]]).value_counts().sort_index()
for aor, n in counts.items():
    print(f"{aor},{n}")
"""


def by_aor(text):
    out = {}
    for line in text.strip().splitlines():
        if "," in line and not line.startswith("aor,"):
            aor, n = line.rsplit(",", 1)
            out[aor] = int(n)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tally", required=True)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tally-stays-bench-")
    try:
        made = subprocess.run([args.tally, "synth", "--table", "detention-stints", "--rows", str(args.rows), "--out", work],
                              check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        src = made.split(":")[0]
        store = os.path.join(work, "store")
        subprocess.run([args.tally, "ingest", "--store", store, src], check=True, capture_output=True)
        os.remove(src)
        print(f"input: {made.split(': ', 1)[1]}")
        print(f"machine: {os.cpu_count()} cores; best of {args.runs} runs each\n")
        print(f"{'contender':30} {'seconds':>8} {'vs tally':>9} {'peak MiB':>9} {'stays':>11}")
        runs = [measured([args.tally, "count", "detention-stays", "--store", store, "--by", "aor", "--format", "csv",
                          "--suppress-below", "0"]) for _ in range(args.runs)]
        t_tally = min(r[0] for r in runs)
        mine = by_aor(runs[0][2])
        print(f"{'tally count detention-stays':30} {t_tally:8.2f} {1:8.2f}x {max(r[1] for r in runs):9.0f} {sum(mine.values()):11,}")
        for name, script in [("duckdb SQL on tally parquet", DUCKDB), ("pandas on tally parquet", PANDAS)]:
            try:
                peer = [measured([sys.executable, "-c", script, store, COLUMNS]) for _ in range(args.runs)]
            except SystemExit as e:
                print(f"{name:30} skipped: {str(e).splitlines()[-1]}")
                continue
            t = min(r[0] for r in peer)
            theirs = by_aor(peer[0][2])
            same = "" if theirs == mine else "  (DIFFERS from tally)"
            print(f"{name:30} {t:8.2f} {t / t_tally:8.2f}x {max(r[1] for r in peer):9.0f} {sum(theirs.values()):11,}{same}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
