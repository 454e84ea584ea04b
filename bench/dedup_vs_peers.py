"""De-duplicated counts: Tally vs DuckDB and pandas on the same store, in the same run.

Writes a SYNTHETIC arrests file in the Deportation Data Project's processed layout (the
layout that carries person identifiers and times) with planted duplicates (exact copies,
same-person same-day rows, next-day rows inside 24 hours, rows without an identifier),
ingests it with Tally, then counts it under each rule:

- Tally: `tally count arrests --by aor --dedup RULE`, a whole process each time;
- DuckDB, on Tally's own Parquet files, the same rule in SQL (exact, same-person-day);
- pandas, on the same Parquet files, `drop_duplicates` for the same rules.

Every contender runs in its own process (peak memory is its own) and the counts must
agree. The 24-hour episode rule (anchored on each episode's first row) has no simple SQL
form; only Tally runs it, and its count is checked against the planted duplicates.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

from measure import measured

AORS = ["Chicago", "Seattle", "New York City", "Los Angeles", "Houston", "Atlanta"]
METHODS = ["CAP Local Incarceration", "Located", "Non-Custodial Arrest", "Custodial Arrest"]
HEADER = "apprehension_date,apprehension_aor,apprehension_method,citizenship_country,unique_identifier,apprehension_date_time\n"


def write_release(path, rows, seed):
    """Writes `rows` records (about 5% planted duplicates); returns what each rule keeps."""
    rng = random.Random(seed)
    planted = {"exact": 0, "same_day": 0, "next_day": 0, "no_id": 0}
    base = 19_600  # days since 1970: 2023-08-29
    with open(path, "w") as f:
        f.write(HEADER)
        written = 0
        while written < rows:
            day = base + rng.randrange(730)
            seconds = 6 * 3600 + rng.randrange(12 * 3600)
            person = "%040x" % rng.getrandbits(160)
            aor = rng.choice(AORS)
            method = rng.choice(METHODS)
            country = rng.choice(["MEXICO", "GUATEMALA", "HONDURAS", "VENEZUELA"])
            kind = rng.random()
            if kind < 0.005:
                person = "NA"
                planted["no_id"] += 1

            def line(day, seconds, person=person, method=method):
                ymd = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
                hms = time.strftime("%H:%M:%S", time.gmtime(seconds))
                return f"{ymd},{aor} Area of Responsibility,{method},{country},{person},{ymd} {hms} UTC\n"

            f.write(line(day, seconds))
            written += 1
            if person == "NA" or written >= rows:
                continue
            if kind < 0.02:
                f.write(line(day, seconds))
                planted["exact"] += 1
                written += 1
            elif kind < 0.04:
                f.write(line(day, seconds + 3600, method=rng.choice(METHODS)))
                planted["same_day"] += 1
                written += 1
            elif kind < 0.05:
                # 20 hours later: the next day (events start at 06:00), one episode.
                f.write(line(day + (seconds + 72000) // 86400, (seconds + 72000) % 86400))
                planted["next_day"] += 1
                written += 1
    return planted


DUCKDB = r"""
import sys, duckdb
con = duckdb.connect()
con.execute("SET threads TO 2")
con.execute("SET enable_progress_bar = false")
rule, store = sys.argv[1], sys.argv[2]
src = f"read_parquet('{store}/arrests/**/*.parquet', hive_partitioning=true, union_by_name=true)"
if rule == "exact":
    # Every column but the provenance Tally adds (and the partition columns of the path).
    q = f"SELECT count(*) FROM (SELECT DISTINCT * EXCLUDE (release_sha256, source_sheet, source_row, release, fy) FROM {src})"
else:
    q = f"SELECT (SELECT count(*) FROM (SELECT DISTINCT unique_identifier, event_date FROM {src} WHERE unique_identifier IS NOT NULL)) + (SELECT count(*) FROM {src} WHERE unique_identifier IS NULL)"
print(con.execute(q).fetchone()[0])
"""

PANDAS = r"""
import sys, pandas as pd
rule, store = sys.argv[1], sys.argv[2]
if rule == "exact":
    df = pd.read_parquet(store + "/arrests")
    df = df.drop(columns=["release_sha256", "source_sheet", "source_row", "release", "fy"])
    print(len(df.drop_duplicates()))
else:
    df = pd.read_parquet(store + "/arrests", columns=["unique_identifier", "event_date"])
    has = df["unique_identifier"].notna()
    print(len(df[has].drop_duplicates()) + int((~has).sum()))
"""


def tally_total(text):
    for line in text.splitlines():
        if line.startswith("total "):
            return int(line.split()[1].replace(",", ""))
    raise SystemExit("no total in tally's output:\n" + text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tally", required=True)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tally-dedup-bench-")
    try:
        src = os.path.join(work, "arrests_synthetic_ddp_layout.csv")
        planted = write_release(src, args.rows, seed=7)
        store = os.path.join(work, "store")
        subprocess.run([args.tally, "ingest", "--store", store, src], check=True, capture_output=True)
        expected = {
            "none": args.rows,
            "exact": args.rows - planted["exact"],
            "same-person-day": args.rows - planted["exact"] - planted["same_day"],
            "episode-24h": args.rows - planted["exact"] - planted["same_day"] - planted["next_day"],
        }
        print(f"input: {args.rows:,} SYNTHETIC arrests, planted {planted}")
        print(f"machine: {os.cpu_count()} cores; best of {args.runs} runs each\n")
        print(f"{'rule':16} {'contender':26} {'seconds':>8} {'vs tally':>9} {'peak MiB':>9} {'count':>11}")
        for rule in ["none", "exact", "same-person-day", "episode-24h"]:
            runs = [measured([args.tally, "count", "arrests", "--store", store, "--by", "aor", "--dedup", rule, "--suppress-below", "0"]) for _ in range(args.runs)]
            t_tally = min(r[0] for r in runs)
            n = tally_total(runs[0][2])
            ok = "" if n == expected[rule] else f"  (planted answer {expected[rule]:,})"
            print(f"{rule:16} {'tally count (process)':26} {t_tally:8.2f} {1:8.2f}x {max(r[1] for r in runs):9.0f} {n:11,}{ok}")
            if rule in ("exact", "same-person-day"):
                for name, script in [("duckdb SQL on tally parquet", DUCKDB), ("pandas drop_duplicates", PANDAS)]:
                    try:
                        peer = [measured([sys.executable, "-c", script, rule, store]) for _ in range(args.runs)]
                    except SystemExit as e:
                        print(f"{rule:16} {name:26} skipped: {str(e).splitlines()[-1]}")
                        continue
                    t = min(r[0] for r in peer)
                    count = int(peer[0][2].strip().splitlines()[-1])
                    same = "" if count == n else "  (DIFFERS from tally)"
                    print(f"{rule:16} {name:26} {t:8.2f} {t / t_tally:8.2f}x {max(r[1] for r in peer):9.0f} {count:11,}{same}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
