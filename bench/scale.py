"""The scale benchmark (issue #13): Tally beside DuckDB and pandas at 1M, 10M, 50M rows.

For each size, on SYNTHETIC national arrests written by `tally synth --table arrests` (the
raw layout of ICE's national release, marginals fitted from the real files):

- ingest: `tally ingest` (full normalization, provenance, verification, Parquet) beside
  DuckDB `read_csv` + `COPY ... TO parquet` and pandas `read_csv` + `to_parquet` on the same
  gzip files, each a process of its own, median of --ingest-runs, peak RSS;
- queries on Tally's store: count by fy x aor; by week and AOR for the ten seed AORs with
  method-group at-large; by citizenship x month; a de-duplicated count (`--dedup exact`).
  Tally as a process (`tally count ... --format csv`) and in the server's process (`tally
  serve`, each URL new to the server: a fresh server per run, its rollups loaded by two
  other requests; the server's own time from its Server-Timing header, and the latency
  over HTTP); DuckDB on Tally's own Parquet as a process (python -c) and warm in-process (one
  connection); pandas on the same Parquet (read + group, in-process). Medians of --runs.
  Every peer's groups are compared with Tally's; a difference is printed loudly;
- the machine's memory scan bandwidth (numpy sums over a 2 GiB array, 1 and 2 threads),
  the Parquet bytes each query's columns hold (pyarrow metadata), the floor they give and
  each time's ratio to it;
- `tally operation run family-op-2019` end to end.

Then a growth table (each figure at the largest size over the smallest) and the issue's
goals, each "met" or "MISSED (by how much)". Numbers depend on the machine: not a test.
"""
import argparse
import csv
import io
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_load import proc_status_kib, start_server  # noqa: E402

TEN_AORS = ["CHI", "SFR", "LOS", "ATL", "HOU", "BOS", "NOL", "DET", "NEW", "NYC"]

# (name, tally count arguments, serve query string, columns the query must read)
QUERIES = [
    ("fy x aor", ["--by", "fy,aor"], "by=fy,aor", ["event_fy", "aor"]),
    ("week x aor, 10 AORs, at-large",
     ["--by", "week,aor", "--where", "aor=" + ",".join(TEN_AORS), "--where", "method-group=at-large"],
     "by=week,aor&aor=" + ",".join(TEN_AORS) + "&method-group=at-large",
     ["event_date", "aor", "method_group"]),
    ("citizenship x month", ["--by", "citizenship,month"], "by=citizenship,month",
     ["citizenship", "event_date"]),
    ("fy, --dedup exact", ["--by", "fy", "--dedup", "exact"], "by=fy&dedup=exact", None),
]
DEDUP = "fy, --dedup exact"

# Provenance Tally adds (and DDP's pointer and flag): not released fields.
PROVENANCE = {"release_sha256", "source_sheet", "source_row", "original_file", "original_sheet",
              "original_row", "duplicate_likely"}

SQL = {
    "fy x aor": "SELECT event_fy, aor, count(*) FROM {src} GROUP BY ALL",
    "week x aor, 10 AORs, at-large":
        "SELECT CAST(date_trunc('week', event_date) AS DATE), aor, count(*) FROM {src} "
        "WHERE aor IN (" + ",".join(f"'{a}'" for a in TEN_AORS) + ") AND method_group = 'at-large' GROUP BY ALL",
    "citizenship x month": "SELECT citizenship, strftime(event_date, '%Y-%m'), count(*) FROM {src} GROUP BY ALL",
    DEDUP: "SELECT event_fy, count(*) FROM (SELECT DISTINCT {cols} FROM {src}) GROUP BY ALL",
}

# DuckDB, one query, as a whole process.
DUCK_ONCE = r"""
import sys, duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
rows = con.execute(sys.argv[1]).fetchall()
print(len(rows), sum(r[-1] for r in rows))
"""

# The in-process peers: one process, each query once to warm up, then timed runs.
PEERS_WARM = r"""
import json, statistics, sys, time
mode, store, runs, queries = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
out = {}
def key(v):
    if v is None: return "(blank)"
    if hasattr(v, "isoformat"): return v.isoformat()[:10]
    return str(v)
if mode == "duckdb":
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    def run(q):
        return {tuple(key(x) for x in r[:-1]): r[-1] for r in con.execute(q["sql"]).fetchall()}
    def run_tally_sql(q):
        # Tally's own query: the dimensions' labels, then count and published.
        return {tuple(key(x) for x in r[:-2]): r[-2] for r in con.execute(q["tally_sql"]).fetchall()}
else:
    import pandas as pd, pyarrow.parquet as pq
    def read(cols):
        return pq.read_table(store + "/arrests", columns=cols).to_pandas(date_as_object=False)
    def groups(series):
        out = {}
        for k, n in series.items():
            k = k if isinstance(k, tuple) else (k,)
            out[tuple("(blank)" if (x is None or x != x) else str(x) for x in k)] = int(n)
        return out
    def run(q):
        name = q["name"]
        if name == "fy x aor":
            df = read(["event_fy", "aor"])
            return groups(df.groupby(["event_fy", "aor"], observed=True, dropna=False).size())
        if name.startswith("week"):
            df = read(["event_date", "aor", "method_group"])
            df = df[df["aor"].isin(q["aors"]) & (df["method_group"] == "at-large")]
            week = (df["event_date"] - pd.to_timedelta(df["event_date"].dt.dayofweek, unit="D")).dt.strftime("%Y-%m-%d")
            return groups(df.groupby([week, df["aor"].astype(str)], observed=True).size())
        if name.startswith("citizenship"):
            df = read(["citizenship", "event_date"])
            month = df["event_date"].dt.to_period("M")
            g = df.groupby([df["citizenship"], month], observed=True, dropna=False).size()
            return groups(g)
        df = read(q["cols"])
        return groups(df.drop_duplicates().groupby("event_fy").size())
def timed(name, f, q):
    groups_ = f(q)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        groups_ = f(q)
        times.append(time.perf_counter() - t)
    out[name] = {"median": statistics.median(times), "times": times,
                 "groups": [[list(k), n] for k, n in groups_.items()]}
for q in queries:
    if mode == "pandas" and q.get("skip_pandas"):
        continue
    timed(q["name"], run, q)
    if mode == "duckdb" and q.get("tally_sql"):
        timed(q["name"] + " [tally --sql]", run_tally_sql, q)
print(json.dumps(out))
"""

INGEST_DUCKDB = r"""
import glob, sys, duckdb
src, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
files = sorted(glob.glob(src + "/*.csv.gz"))
n = con.execute(f"COPY (SELECT * FROM read_csv({files!r}, delim='|', skip=5, header=true, dateformat='%m/%d/%Y')) TO '{out}' (FORMAT parquet)").fetchall()[0][0]
print(n)
"""

INGEST_PANDAS = r"""
import glob, os, sys, pandas as pd
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
n = 0
for path in sorted(glob.glob(src + "/*.csv.gz")):
    df = pd.read_csv(path, sep="|", skiprows=5)
    df.to_parquet(os.path.join(out, os.path.basename(path) + ".parquet"))
    n += len(df)
print(n)
"""

INGEST_EXCEL = r"""
import glob, os, sys, pandas as pd
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
n = 0
for path in sorted(glob.glob(src + "/*.xlsx")):
    # Every sheet: six banner rows above each sheet's header.
    for name, df in pd.read_excel(path, sheet_name=None, skiprows=6, engine="calamine").items():
        df.to_parquet(os.path.join(out, f"{os.path.basename(path)}.{name}.parquet"))
        n += len(df)
print(n)
"""

BANDWIDTH = r"""
import json, time, numpy as np
from concurrent.futures import ThreadPoolExecutor
a = np.ones(2 * 1024**3 // 8)
a.sum()
def best(f):
    ts = []
    for _ in range(5):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return min(ts)
one = best(a.sum)
half = len(a) // 2
with ThreadPoolExecutor(2) as ex:
    two = best(lambda: sum(ex.map(lambda s: a[s:s + half].sum(), [0, half])))
print(json.dumps({"bytes": a.nbytes, "one_thread": a.nbytes / one, "two_threads": a.nbytes / two}))
"""

SPARK = r"""
import json, statistics, sys, time
from pyspark.sql import SparkSession
store, runs, queries = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
spark = (SparkSession.builder.master("local[2]").appName("tally-scale")
         .config("spark.driver.memory", "8g").config("spark.ui.enabled", "false").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
spark.read.parquet(store + "/arrests/*/*/*.parquet").createOrReplaceTempView("arrests")
def key(v):
    if v is None: return "(blank)"
    if hasattr(v, "isoformat"): return v.isoformat()[:10]
    return str(v)
out = {}
def timed(name, sql, labels):
    spark.sql(sql).collect()
    times = []
    for _ in range(runs):
        t = time.perf_counter(); rows = spark.sql(sql).collect(); times.append(time.perf_counter() - t)
    out[name] = {"median": statistics.median(times),
                 "groups": [[[key(x) for x in r[:-labels]], r[-labels]] for r in rows]}
for q in queries:
    timed(q["name"], q["spark_sql"], 1)
    if q.get("tally_spark_sql"):
        # Tally's own query: the dimensions' labels, then count and published.
        timed(q["name"] + " [tally --sql]", q["tally_spark_sql"], 2)
print(json.dumps(out))
spark.stop()
"""
SPARK_SQL = {
    "fy x aor": "SELECT event_fy, aor, count(*) FROM arrests GROUP BY event_fy, aor",
    "week x aor, 10 AORs, at-large":
        "SELECT CAST(date_trunc('week', event_date) AS DATE) AS w, aor, count(*) FROM arrests WHERE aor IN ("
        + ",".join(f"'{a}'" for a in TEN_AORS) + ") AND method_group = 'at-large' GROUP BY w, aor",
    "citizenship x month": "SELECT citizenship, date_format(event_date, 'yyyy-MM') AS m, count(*) FROM arrests GROUP BY citizenship, m",
    DEDUP: "SELECT event_fy, count(*) FROM (SELECT DISTINCT {cols} FROM arrests) GROUP BY event_fy",
}


def measured(cmd, cwd=None):
    """(seconds, peak MiB, stdout, stderr) of one process: wall time around it, its peak
    RSS from /usr/bin/time (a small parent: a child forked from this Python process would
    count this process's memory in its own maximum)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss:
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], stdout=out, stderr=err,
                           stdin=subprocess.DEVNULL, cwd=cwd)
        seconds = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        peak_kib = rss.read().strip().splitlines()[-1] if p.returncode == 0 else "0"
    if p.returncode != 0:
        sys.exit(f"FAILED ({p.returncode}): {' '.join(cmd)[:300]}\n{stderr[-3000:]}")
    return seconds, int(peak_kib) / 1024, stdout, stderr


def parse_size(text):
    text = text.strip().upper()
    mult = {"K": 1_000, "M": 1_000_000, "G": 1_000_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("KMG")) * mult)


def label(n):
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n:,}"


def tally_groups(text):
    """Groups of a `tally count --format csv` output: count cells that are numbers and not 0
    (a count by date and AOR prints every covered cell, zeros included)."""
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    at = header.index("count")
    out = {}
    for r in body:
        cell = r[at].replace(",", "")
        if cell.isdigit() and cell != "0":
            out[tuple(r[:at])] = int(cell)
    return out


def peer_key(name, key):
    key = list(key)
    if name in ("fy x aor", DEDUP) and key[0].isdigit():
        key[0] = "FY" + key[0]
    return tuple(key)


def compare(name, tally, peer, who):
    """Text for the table; prints a loud message when the groups differ."""
    peer = {peer_key(name, tuple(k)): n for k, n in peer}
    if peer == tally:
        return "same"
    only_t = {k: v for k, v in tally.items() if k not in peer}
    only_p = {k: v for k, v in peer.items() if k not in tally}
    diff = {k: (tally[k], peer[k]) for k in tally.keys() & peer.keys() if tally[k] != peer[k]}
    total_t, total_p = sum(tally.values()), sum(peer.values())
    if name == DEDUP:
        return f"by design: merges {total_t - total_p:,} rows"
    print(f"\n!!! MISMATCH: {name}: {who} gives {len(peer):,} groups totalling {total_p:,}, Tally "
          f"{len(tally):,} totalling {total_t:,}; only in Tally {list(only_t.items())[:3]}, only in "
          f"{who} {list(only_p.items())[:3]}, differing {list(diff.items())[:3]}\n", file=sys.stderr)
    return f"MISMATCH ({who} total {total_p:,} vs {total_t:,})"


def rollup_glob(kind):
    """The files of the arrests' rollups of `kind` ("daily" or "citizenship")."""
    return ("_rollup", "*", "arrests" if kind == "daily" else f"arrests.{kind}", "*", "*.parquet")
ROWS_GLOB = ("arrests", "*", "*", "*.parquet")


def column_bytes(store, columns, where=ROWS_GLOB):
    """(compressed, uncompressed) bytes of these columns' chunks in the store's arrests
    (or, with rollup_glob(kind), in their rollups)."""
    import glob
    import pyarrow.parquet as pq
    comp = uncomp = 0
    for path in glob.glob(os.path.join(store, *where)):
        md = pq.ParquetFile(path).metadata
        names = [md.schema.column(i).name for i in range(md.num_columns)]
        for rg in range(md.num_row_groups):
            g = md.row_group(rg)
            for i, n in enumerate(names):
                if n in columns:
                    c = g.column(i)
                    comp += c.total_compressed_size
                    uncomp += c.total_uncompressed_size
    return comp, uncomp


def rollup_rows(store, kind="daily"):
    """Rows of the arrests' rollups of `kind`, from the manifest (the daily kind is unnamed
    there)."""
    with open(os.path.join(store, "manifest.json")) as f:
        m = json.load(f)
    return sum(f["rows"] for r in m["releases"] for f in r["files"]
               if f.get("rollup_of") and f.get("table") == "arrests" and f.get("rollup", "daily") == kind)


def released_columns(store):
    """Columns of the arrests files that are not provenance and hold a value somewhere."""
    import glob
    import pyarrow.parquet as pq
    filled = {}
    for path in glob.glob(os.path.join(store, "arrests", "*", "*", "*.parquet")):
        md = pq.ParquetFile(path).metadata
        for rg in range(md.num_row_groups):
            g = md.row_group(rg)
            for i in range(md.num_columns):
                c = g.column(i)
                name = md.schema.column(i).name
                stats = c.statistics
                has = stats is None or not stats.has_null_count or stats.null_count < g.num_rows
                filled[name] = filled.get(name, False) or has
    return [n for n, has in filled.items() if has and n not in PROVENANCE]


def fmt_s(x):
    if x is None:
        return "-"
    if x < 0.01:
        return f"{x * 1000:.1f} ms"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}x"


def median_of(runs):
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def serve_runs(tally, store, runs, work):
    """Per query, on a fresh server whose first requests (a count by month, one by
    citizenship) loaded the rollups of both kinds into memory: the median of the server's
    own time for the query's first request (its Server-Timing header: parse, count,
    render, no network) and of the latency the client saw; the server's peak RSS over all
    runs; and the first run's bodies. No request is answered from the response cache:
    each query's URL is new to its server."""
    times = {q[0]: [] for q in QUERIES}
    # The server's split of its time: the count (tally_query::count) and, of it, the scan.
    parts = {q[0]: {"count": [], "scan": []} for q in QUERIES}
    latency = {q[0]: [] for q in QUERIES}
    bodies = {}
    peak = 0
    for r in range(runs):
        proc = None
        d = os.path.join(work, f"serve{r}")
        os.makedirs(d, exist_ok=True)
        try:
            proc, base, _ = start_server_args(tally, store, d)
            for warm in ["by=month", "by=citizenship"]:
                with urllib.request.urlopen(f"{base}/count/arrests.csv?{warm}", timeout=600) as resp:
                    resp.read()
            for name, _, query, _ in QUERIES:
                t = time.perf_counter()
                with urllib.request.urlopen(f"{base}/count/arrests.csv?{query}", timeout=600) as resp:
                    body = resp.read().decode()
                    timing = resp.headers.get("server-timing", "")
                latency[name].append(time.perf_counter() - t)
                m = re.search(r"dur=([0-9.]+)", timing)
                if not m or "computed" not in timing:
                    raise RuntimeError(f"{name}: no computed Server-Timing in the answer ({timing!r})")
                times[name].append(float(m.group(1)) / 1000)
                for part in ("count", "scan"):
                    p = re.search(part + r";dur=([0-9.]+)", timing)
                    if not p:
                        raise RuntimeError(f"{name}: no {part} time in Server-Timing ({timing!r})")
                    parts[name][part].append(float(p.group(1)) / 1000)
                bodies.setdefault(name, body)
            peak = max(peak, proc_status_kib(proc.pid, "VmHWM") / 1024)
        finally:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    return ({k: statistics.median(v) for k, v in times.items()},
            {k: statistics.median(v) for k, v in latency.items()}, peak, bodies,
            {k: {part: statistics.median(v) for part, v in ps.items()} for k, ps in parts.items()})


# Counts as fine as a user may ask for, sent two at once (the server runs one per core) to
# a fresh server at its default --max-groups: date by citizenship by gender (605,298
# groups at 50M, answered) and date by landmark (10.8 million, refused).
FINE_QUERIES = ["by=date,citizenship,gender", "by=date,landmark"]


def fine_probe(tally, store, work):
    """The server's peak RSS (MiB) while answering FINE_QUERIES twice over, two at a time,
    and each query's HTTP status."""
    import concurrent.futures
    import urllib.error
    d = os.path.join(work, "serve-fine")
    os.makedirs(d, exist_ok=True)
    proc = None
    try:
        proc, base, _ = start_server(tally, store, d)

        def status(query):
            try:
                with urllib.request.urlopen(f"{base}/count/arrests.csv?{query}", timeout=600) as resp:
                    resp.read()
                    return resp.status
            except urllib.error.HTTPError as e:
                e.read()
                return e.code

        statuses = {}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            for query in FINE_QUERIES:
                statuses[query] = list(pool.map(status, [query, query]))
            statuses["both at once"] = list(pool.map(status, FINE_QUERIES))
        return proc_status_kib(proc.pid, "VmHWM") / 1024, statuses
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)


def start_server_args(tally, store, workdir):
    """`tally serve --suppress-below 0` on a free port (serve_load's starter, with the
    threshold the CLI runs use here)."""
    wrapper = os.path.join(workdir, "tally-serve")
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\nexec "{tally}" "$@" --suppress-below 0 --timeout 600\n')
    os.chmod(wrapper, 0o755)
    return start_server(wrapper, store, workdir)


def run_size(args, n, bandwidth):
    work = os.path.join(args.work, label(n))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    src = os.path.join(work, "src")
    res = {"rows": n, "ingest": {}, "queries": {}, "notes": []}
    print(f"\n## {label(n)} rows\n\nload average at the start: {os.getloadavg()[0]:.2f}", flush=True)
    t, rss, out, _ = measured([args.tally, "synth", "--table", "arrests", "--rows", str(n), "--out", src,
                               "--seed", "1", "--format", "json"])
    synth = json.loads(out)
    gz = sum(f["bytes"] for f in synth["files"])
    res["synth"] = (t, rss)
    print(f"synth: {n:,} SYNTHETIC rows in {len(synth['files'])} files ({gz / 1e6:.0f} MB gzip) "
          f"in {t:.2f} s, peak {rss:.0f} MiB", flush=True)

    # Ingest: each contender in its own process, --ingest-runs times, taking turns (Tally,
    # DuckDB, pandas, Tally, ...) so that a slow spell of the machine (another tenant, a
    # JVM still exiting) falls on every contender alike rather than on one.
    store = os.path.join(work, "store")
    peers = [
        ("DuckDB read_csv -> COPY TO parquet", INGEST_DUCKDB, os.path.join(work, "duck.parquet")),
        ("pandas read_csv + to_parquet", INGEST_PANDAS, os.path.join(work, "pandas")),
    ]

    def remove(path):
        shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else (
            os.path.exists(path) and os.remove(path))

    tally_runs = []
    peer_runs = {name: [] for name, _, _ in peers}
    for r in range(args.ingest_runs):
        target = store if r == args.ingest_runs - 1 else os.path.join(work, f"store{r}")
        run = measured([args.tally, "ingest", "--store", target, src])
        tally_runs.append(run)
        if target != store:
            shutil.rmtree(target, ignore_errors=True)
        if f"{len(synth['files'])} file(s) ingested" not in run[2]:
            res["notes"].append("tally ingest did not ingest every file")
        for name, script, out_path in peers:
            remove(out_path)
            peer_runs[name].append(measured([sys.executable, "-c", script, src, out_path]))
            remove(out_path)
    rejected = sum(1 for line in tally_runs[-1][2].splitlines() if "rejected 0" not in line and "rejected" in line)
    if rejected:
        res["notes"].append(f"tally ingest rejected rows in {rejected} sheet(s)")
    res["ingest"]["tally ingest (normalize, verify, Parquet)"] = median_of(tally_runs) + (n,)
    res["rollup_rows"] = rollup_rows(store)
    res["citizenship_rollup_rows"] = rollup_rows(store, "citizenship")
    print(f"  tally ingest: {fmt_s(res['ingest']['tally ingest (normalize, verify, Parquet)'][0])}; "
          f"daily rollups: {res['rollup_rows']:,} rows; by citizenship: {res['citizenship_rollup_rows']:,}",
          flush=True)
    for name, _, _ in peers:
        runs = peer_runs[name]
        rows = int(runs[-1][2].strip().splitlines()[-1])
        if rows != n:
            print(f"\n!!! MISMATCH: {name} read {rows:,} rows, synth wrote {n:,}\n", file=sys.stderr)
            res["notes"].append(f"{name} read {rows:,} rows, not {n:,}")
        res["ingest"][name] = median_of(runs) + (rows,)
        print(f"  {name}: {fmt_s(res['ingest'][name][0])}", flush=True)

    # Queries.
    cols = released_columns(store)
    src_sql = f"read_parquet('{store}/arrests/*/*/*.parquet')"
    qspecs = []
    for name, _, _, needs in QUERIES:
        sql = SQL[name].format(src=src_sql, cols=", ".join(cols))
        qspecs.append({"name": name, "sql": sql, "aors": TEN_AORS, "cols": cols,
                       "skip_pandas": name == DEDUP and n > args.pandas_dedup_max,
                       "spark_sql": SPARK_SQL[name].format(cols=", ".join(cols))})
    # Tally's own SQL for each count (`count --sql`), where it can write one.
    for q, (name, targs, _, _) in zip(qspecs, QUERIES):
        for dialect, field in [("duckdb", "tally_sql")] + ([("spark", "tally_spark_sql")] if args.spark else []):
            p = subprocess.run([args.tally, "count", "arrests", "--store", store, *targs, "--suppress-below", "0",
                                "--sql", dialect], capture_output=True, text=True)
            if p.returncode == 0:
                q[field] = p.stdout
            elif dialect == "duckdb":
                res["notes"].append(f"`tally count --sql` writes no query for {name}: "
                                    + (p.stderr.strip().splitlines() or ["?"])[-1][:200])
        # A rule that merges no row counts what the count without it counts, from the same
        # files (rollups included): those are the files it reads.
        if "--dedup" in targs and "tally_sql" not in q:
            p = subprocess.run([args.tally, "count", "arrests", "--store", store, *targs, "--format", "json"],
                               capture_output=True, text=True)
            notes = json.loads(p.stdout)["notes"] if p.returncode == 0 else []
            if any(n.endswith(": 0 rows merged into another row of their release") for n in notes):
                at = targs.index("--dedup")
                plain = targs[:at] + targs[at + 2:]
                p = subprocess.run([args.tally, "count", "arrests", "--store", store, *plain, "--sql", "duckdb"],
                                   capture_output=True, text=True)
                q["reads_sql"] = p.stdout if p.returncode == 0 else ""
    tally_res = {}
    for name, targs, _, _ in QUERIES:
        runs = [measured([args.tally, "count", "arrests", "--store", store, *targs, "--format", "csv",
                          "--suppress-below", "0"]) for _ in range(args.runs)]
        tally_res[name] = (median_of(runs), tally_groups(runs[-1][2]))
    print("  tally count: done", flush=True)
    serve_t, serve_http, serve_peak, bodies, serve_parts = serve_runs(args.tally, store, args.runs, work)
    res["serve_peak"] = serve_peak
    res["fine_peak"], res["fine_statuses"] = fine_probe(args.tally, store, work)
    print(f"  tally serve: done; fine counts two at a time: peak {res['fine_peak']:,.0f} MiB, "
          f"statuses {res['fine_statuses']}", flush=True)
    duck_proc = {}
    for q in qspecs:
        runs = [measured([sys.executable, "-c", DUCK_ONCE, q["sql"]]) for _ in range(args.runs)]
        duck_proc[q["name"]] = median_of(runs)
    print("  duckdb process: done", flush=True)
    qjson = json.dumps(qspecs)
    _, duck_rss, out, _ = measured([sys.executable, "-c", PEERS_WARM, "duckdb", store, str(args.runs), qjson])
    duck_warm = json.loads(out)
    print("  duckdb warm: done", flush=True)
    _, pandas_rss, out, _ = measured([sys.executable, "-c", PEERS_WARM, "pandas", store, str(args.runs), qjson])
    pandas_warm = json.loads(out)
    print("  pandas: done", flush=True)
    spark = {}
    if args.spark:
        _, spark_rss, out, _ = measured([sys.executable, "-c", SPARK, store, str(max(3, args.runs // 2)), qjson])
        spark = json.loads(out.strip().splitlines()[-1])
        res["spark_rss"] = spark_rss
    res["peer_rss"] = {"duckdb warm": duck_rss, "pandas": pandas_rss}

    r_total = n
    for name, _, _, needs in QUERIES:
        (t_proc, rss_proc), groups = tally_res[name]
        serve_groups = tally_groups(bodies[name])
        match = []
        if serve_groups != groups:
            print(f"\n!!! MISMATCH: {name}: tally serve's CSV differs from tally count's\n", file=sys.stderr)
            match.append("serve MISMATCH")
        sql_name = name + " [tally --sql]"
        for who, peer in [("DuckDB", duck_warm.get(name)), ("pandas", pandas_warm.get(name)),
                          ("Spark", spark.get(name)), ("DuckDB running Tally's --sql", duck_warm.get(sql_name)),
                          ("Spark running Tally's --sql", spark.get(sql_name))]:
            if peer is not None:
                c = compare(name, groups, peer["groups"], who)
                if c != "same":
                    match.append(f"{who}: {c}")
        need = needs if needs is not None else cols
        # Where Tally's count reads the daily rollups (its --sql reads what the count
        # reads), the floor is that of the rollup columns it needs: the dates, the
        # dimensions, and the rows each rollup row stands for.
        spec = qspecs[[x["name"] for x in qspecs].index(name)]
        tally_sql = spec.get("tally_sql") or spec.get("reads_sql", "")
        rollups = "_rollup/" in tally_sql
        kind = "citizenship" if "/arrests.citizenship/" in tally_sql else "daily"
        kind_rows = res["citizenship_rollup_rows"] if kind == "citizenship" else res["rollup_rows"]
        if rollups:
            need = sorted({"event_date" if c == "event_fy" else c for c in need} | {"rollup_rows"})
            comp, uncomp = column_bytes(store, set(need), rollup_glob(kind))
            decoded = 4 * len(need) * kind_rows
        else:
            comp, uncomp = column_bytes(store, set(need))
            # The same columns held as 4-byte values (dictionary keys, days): what a scan
            # of decoded columns in memory reads.
            decoded = 4 * len(need) * r_total
        res["queries"][name] = {
            "groups": len(groups), "total": sum(groups.values()),
            "tally process": t_proc, "tally process MiB": rss_proc, "tally serve": serve_t[name],
            "tally serve http": serve_http[name],
            "tally count part": serve_parts[name]["count"], "tally scan part": serve_parts[name]["scan"],
            "duckdb process": duck_proc[name][0], "duckdb warm": duck_warm[name]["median"],
            "pandas": pandas_warm[name]["median"] if name in pandas_warm else None,
            "spark": spark[name]["median"] if name in spark else None,
            "duckdb tally sql": duck_warm[sql_name]["median"] if sql_name in duck_warm else None,
            "spark tally sql": spark[sql_name]["median"] if sql_name in spark else None,
            "bytes": (comp, uncomp), "decoded": decoded, "floor pages": uncomp / bandwidth,
            "floor": decoded / bandwidth,
            "match": "; ".join(match) or "same groups",
            "columns": need,
            "reads": f"{kind} rollups ({kind_rows:,} rows)" if rollups else f"rows ({r_total:,})",
        }
        if name == DEDUP:
            res["notes"].append(
                f"{DEDUP}: the national layout gives neither person identifiers nor times, so Tally's exact rule "
                "leaves its rows as released (README, Duplicates: alike rows there are as likely different people); "
                "DuckDB and pandas run SELECT DISTINCT / drop_duplicates over every released column, work Tally's "
                "rule does not do (bench/dedup_vs_peers.py times the rules where they merge)")
        if name == DEDUP and name not in pandas_warm:
            res["notes"].append(f"pandas' drop_duplicates skipped above {args.pandas_dedup_max:,} rows "
                                "(memory); --pandas-dedup-max raises it")

    op = [measured([args.tally, "operation", "run", "family-op-2019", "--store", store, "--format", "json"])
          for _ in range(args.ingest_runs)]
    res["operation"] = median_of(op)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print_size(res, args, bandwidth)
    return res


def run_workbook(args):
    """Ingest of the 2025 workbook layout: Tally against pandas read_excel (calamine)."""
    n = args.workbook_rows
    work = os.path.join(args.work, "workbook")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    src = os.path.join(work, "src")
    print(f"\n## 2025 workbook layout, {label(n)} rows\n", flush=True)
    t, rss, out, _ = measured([args.tally, "synth", "--table", "arrests", "--rows", str(n), "--out", src,
                               "--seed", "1", "--layout", "workbook", "--format", "json"])
    synth = json.loads(out)
    size = sum(f["bytes"] for f in synth["files"])
    print(f"synth: {n:,} SYNTHETIC rows, one workbook ({size / 1e6:.0f} MB) in {t:.2f} s, peak {rss:.0f} MiB",
          flush=True)
    res = {"rows": n, "synth": (t, rss), "ingest": {}, "notes": []}
    runs = []
    for r in range(args.ingest_runs):
        store = os.path.join(work, f"store{r}")
        run = measured([args.tally, "ingest", "--store", store, src])
        if "1 file(s) ingested" not in run[2]:
            res["notes"].append("tally ingest did not ingest the workbook")
        runs.append(run)
        shutil.rmtree(store, ignore_errors=True)
    res["ingest"]["tally ingest (normalize, verify, Parquet)"] = median_of(runs) + (n,)
    out_path = os.path.join(work, "pandas")
    runs = []
    for _ in range(args.ingest_runs):
        shutil.rmtree(out_path, ignore_errors=True)
        runs.append(measured([sys.executable, "-c", INGEST_EXCEL, src, out_path]))
    rows = int(runs[-1][2].strip().splitlines()[-1])
    if rows != n:
        res["notes"].append(f"pandas read {rows:,} rows, not {n:,}")
    res["ingest"]["pandas read_excel (calamine) + to_parquet"] = median_of(runs) + (rows,)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print_ingest(res, f"\n### {label(n)} SYNTHETIC arrests, 2025 workbook: ingest (median of {args.ingest_runs})\n")
    for note in res["notes"]:
        print(f"- note: {note}")
    sys.stdout.flush()
    return res


def print_ingest(res, title):
    """The ingest table of one run: the synth line, then each contender against Tally."""
    n = res["rows"]
    print(title)
    print("| contender | seconds | rows/s | peak MiB | vs Tally |")
    print("|---|---|---|---|---|")
    base = res["ingest"]["tally ingest (normalize, verify, Parquet)"][0]
    t, rss = res["synth"]
    print(f"| (tally synth, writing the input) | {t:.2f} | {n / t / 1e6:.2f} M | {rss:.0f} | |")
    for name, (t, rss, rows) in res["ingest"].items():
        print(f"| {name} | {t:.2f} | {rows / t / 1e6:.2f} M | {rss:,.0f} | {t / base:.2f}x |")


def print_size(res, args, bandwidth):
    n = res["rows"]
    print_ingest(res, f"\n### {label(n)} SYNTHETIC arrests: ingest (median of {args.ingest_runs}, each its own "
                 "process)\n")
    print(f"\n### {label(n)}: queries on Tally's store (median of {args.runs}; in-process = warm process, "
          "timed per query)\n")
    spark = any(q["spark"] is not None for q in res["queries"].values())
    head = ("| query | groups | Tally reads | Tally process | Tally serve, in-process (server's time) | Tally serve over HTTP "
            "| DuckDB process | DuckDB warm in-process "
            "| DuckDB warm, Tally's --sql | pandas in-process | "
            + ("Spark warm | Spark warm, Tally's --sql | " if spark else "")
            + "Parquet bytes of its columns (compressed / pages) | floor: pages / 4-byte keys "
            + "| Tally serve / floor (keys) | of it: count, scan (scan / floor) | groups vs Tally |")
    print(head)
    print("|" + "---|" * head.count(" | ") + "---|")
    for name, q in res["queries"].items():
        comp, uncomp = q["bytes"]
        cells = [name, f"{q['groups']:,}", q["reads"], fmt_s(q["tally process"]), fmt_s(q["tally serve"]),
                 fmt_s(q["tally serve http"]), fmt_s(q["duckdb process"]), fmt_s(q["duckdb warm"]),
                 fmt_s(q["duckdb tally sql"]),
                 fmt_s(q["pandas"])]
        if spark:
            cells += [fmt_s(q["spark"]), fmt_s(q["spark tally sql"])]
        cells += [f"{comp / 1e6:.1f} MB / {uncomp / 1e6:.1f} MB",
                  f"{q['floor pages'] * 1000:.2f} ms / {q['floor'] * 1000:.1f} ms",
                  f"{q['tally serve'] / q['floor']:.1f}x",
                  f"{fmt_s(q['tally count part'])}, {fmt_s(q['tally scan part'])} "
                  f"({q['tally scan part'] / q['floor']:.1f}x)", q["match"]]
        print("| " + " | ".join(cells) + " |")
    peak_proc = max(q["tally process MiB"] for q in res["queries"].values())
    print(f"\nPeak RSS: tally count {peak_proc:,.0f} MiB (largest of the queries); tally serve "
          f"{res['serve_peak']:,.0f} MiB (VmHWM over a run of every query); DuckDB warm "
          f"{res['peer_rss']['duckdb warm']:,.0f} MiB; pandas {res['peer_rss']['pandas']:,.0f} MiB"
          + (f"; Spark's Python driver {res['spark_rss']:,.0f} MiB (its JVM not counted)" if "spark_rss" in res else "")
          + f". tally serve sent {' and '.join(FINE_QUERIES)} two at a time (HTTP statuses "
          + f"{res['fine_statuses']}; 400: more groups than its --max-groups): peak {res['fine_peak']:,.0f} MiB.")
    print(f"Tally's daily rollups: {res['rollup_rows']:,} rows for {n:,} table rows "
          f"({n / max(res['rollup_rows'], 1):.0f} rows each), and by citizenship "
          f"{res['citizenship_rollup_rows']:,} rows; a count whose dimensions and filters one of them keeps "
          "reads it instead of the rows.")
    print(f"Floors, at {bandwidth / 1e9:.1f} GB/s (the 2-thread scan bandwidth measured above): the query's "
          "columns' Parquet pages (uncompressed), and the same columns as 4-byte values (dictionary keys, days: "
          f"rows x 4 B x columns), what a scan of decoded columns reads; the goal is judged on the second. "
          "For a count Tally answers from its rollups, the columns and rows are the rollups' (the peers read "
          "the rows). "
          "`tally operation run family-op-2019`: "
          f"{fmt_s(res['operation'][0])}, {res['operation'][1]:.0f} MiB.")
    for note in res["notes"]:
        print(f"- note: {note}")
    sys.stdout.flush()


def verdict(ok, how):
    return "met" if ok else f"MISSED ({how})"


def print_summary(results, args, bandwidth, workbook=None):
    first, last = results[0], results[-1]
    if len(results) > 1:
        print(f"\n## Growth: each figure at {label(last['rows'])} / at {label(first['rows'])} "
              f"(rows x{last['rows'] / first['rows']:.0f})\n")
        print("| figure | at " + label(first["rows"]) + " | at " + label(last["rows"]) + " | growth |")
        print("|---|---|---|---|")
        for name in first["ingest"]:
            a, b = first["ingest"][name][0], last["ingest"][name][0]
            print(f"| ingest: {name} | {fmt_s(a)} | {fmt_s(b)} | {b / a:.1f}x |")
            a, b = first["ingest"][name][1], last["ingest"][name][1]
            print(f"| ingest peak MiB: {name} | {a:,.0f} | {b:,.0f} | {b / a:.1f}x |")
        for qname in first["queries"]:
            for who in ["tally process", "tally serve", "duckdb process", "duckdb warm", "duckdb tally sql", "pandas",
                        "spark", "spark tally sql"]:
                a, b = first["queries"][qname][who], last["queries"][qname][who]
                if a is not None and b is not None:
                    print(f"| {qname}: {who} | {fmt_s(a)} | {fmt_s(b)} | {b / a:.1f}x |")
        print(f"| tally serve peak MiB | {first['serve_peak']:,.0f} | {last['serve_peak']:,.0f} | "
              f"{last['serve_peak'] / first['serve_peak']:.1f}x |")

    print("\n## Goals (issue #13)\n")
    for r in results:
        ing = r["ingest"]
        t = ing["tally ingest (normalize, verify, Parquet)"][0]
        p = ing["pandas read_csv + to_parquet"][0]
        d = ing["DuckDB read_csv -> COPY TO parquet"][0]
        print(f"- Ingest at {label(r['rows'])}, at least 2x faster than pandas: "
              + verdict(t * 2 <= p, f"{p / t:.2f}x faster, needs 2x; Tally {t:.2f} s against at most {p / 2:.2f} s"))
        print(f"- Ingest at {label(r['rows'])}, faster than DuckDB's CSV-to-Parquet copy: "
              + verdict(t < d, f"Tally {t:.2f} s, DuckDB {d:.2f} s: {t / d - 1:.0%} slower"))
    if workbook is not None:
        t = workbook["ingest"]["tally ingest (normalize, verify, Parquet)"][0]
        p = workbook["ingest"]["pandas read_excel (calamine) + to_parquet"][0]
        print(f"- Ingest of the 2025 workbook at {label(workbook['rows'])}, at least 2x faster than pandas "
              "read_excel (calamine): "
              + verdict(t * 2 <= p, f"{p / t:.2f}x faster; Tally {t:.2f} s against at most {p / 2:.2f} s"))
    rss = [r["ingest"]["tally ingest (normalize, verify, Parquet)"][1] for r in results]
    print(f"- Ingest memory bounded as rows grow: peak {', '.join(f'{x:,.0f}' for x in rss)} MiB at "
          f"{', '.join(label(r['rows']) for r in results)}: "
          + verdict(rss[-1] <= 2 * rss[0] or len(results) == 1, f"x{rss[-1] / rss[0]:.1f} for x{last['rows'] / first['rows']:.0f} rows"))
    judged = [r for r in results if r["rows"] >= 10_000_000] or []
    if not judged:
        print("- Queries at 10M and 50M rows: not judged (no size of 10M or more run)")
    for r in judged:
        for name, q in r["queries"].items():
            if name == DEDUP:
                print(f"- {name} at {label(r['rows'])}: not comparable (Tally merges nothing on this layout by "
                      f"design; the peers' DISTINCT does the work): Tally {fmt_s(q['tally serve'])}, DuckDB warm "
                      f"{fmt_s(q['duckdb warm'])}")
                continue
            s, dw = q["tally serve"], q["duckdb warm"]
            print(f"- {name} at {label(r['rows'])}, in-process at least as fast as DuckDB warm in-process: "
                  + verdict(s <= dw, f"Tally {fmt_s(s)} vs DuckDB {fmt_s(dw)}: {s / dw:.1f}x slower")
                  + f"; within 3x of the bandwidth floor ({q['floor'] * 1000:.2f} ms for 4-byte keys), "
                  + "the whole request: "
                  + verdict(s <= 3 * q["floor"], f"{s / q['floor']:.0f}x the floor")
                  + f"; its scan ({fmt_s(q['tally scan part'])}, reading and adding the batches): "
                  + verdict(q["tally scan part"] <= 3 * q["floor"],
                            f"{q['tally scan part'] / q['floor']:.1f}x the floor"))
    fifty = [r for r in results if r["rows"] >= 50_000_000]
    if fifty:
        for name, q in fifty[-1]["queries"].items():
            s = q["tally serve"]
            print(f"- {name} under 100 ms in-process at {label(fifty[-1]['rows'])}: "
                  + verdict(s < 0.1, f"{fmt_s(s)}, {s / 0.1:.1f}x the limit"))
        peak = max(fifty[-1]["serve_peak"], fifty[-1]["fine_peak"])
        print(f"- tally serve peak memory under 2 GiB at {label(fifty[-1]['rows'])} (the benchmark's "
              f"queries, then fine counts two at a time): "
              + verdict(peak < 2048, f"{peak:,.0f} MiB"))
    else:
        s = {name: q["tally serve"] for name, q in last["queries"].items()}
        print(f"- Under 100 ms in-process at 50M: not judged (largest size run: {label(last['rows'])}; "
              "there: " + ", ".join(f"{k} {fmt_s(v)}" for k, v in s.items()) + ")")
        print(f"- tally serve peak memory under 2 GiB at 50M: not judged (at {label(last['rows'])}: "
              f"{last['serve_peak']:,.0f} MiB)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tally", required=True)
    ap.add_argument("--sizes", default="1M,10M", help="comma-separated row counts (default 1M,10M; "
                    "add 50M for the issue's largest size: about 30 minutes and 3 GB of disk)")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "tally-scale"),
                    help="work folder, outside the repository (default /tmp/tally-scale)")
    ap.add_argument("--runs", type=int, default=5, help="runs per query (median; default 5)")
    ap.add_argument("--ingest-runs", type=int, default=3, help="runs per ingest (median; default 3)")
    ap.add_argument("--pandas-dedup-max", type=int, default=20_000_000,
                    help="largest size at which pandas' drop_duplicates runs (memory)")
    ap.add_argument("--spark", action="store_true", help="also run the queries on Apache Spark "
                    "(pyspark, local[2], warm in-process): heavy")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (input, store)")
    ap.add_argument("--workbook-rows", default="1M", help="rows of the 2025 workbook ingest (default 1M, "
                    "about a sheet; 0 skips it)")
    args = ap.parse_args()
    sizes = sorted(parse_size(s) for s in args.sizes.split(","))
    os.makedirs(args.work, exist_ok=True)
    # A copy of the binary: a build started meanwhile (a shared build cache) cannot swap it
    # between two runs.
    binary = os.path.join(args.work, "tally")
    shutil.copy2(args.tally, binary)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    head = subprocess.run(["git", "-C", repo, "log", "-1", "--format=%h %cs"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    args.tally = binary
    need = 60 * max(sizes) * (1 if not args.keep else len(sizes))
    free = shutil.disk_usage(args.work).free
    print(f"# Tally at scale (issue #13): SYNTHETIC national arrests, {', '.join(label(s) for s in sizes)} rows\n")
    print(f"work: {args.work} ({free / 1e9:.0f} GB free; about {need / 1e9:.1f} GB needed)")
    if free < need:
        sys.exit(f"not enough disk in {args.work}: {free / 1e9:.1f} GB free, about {need / 1e9:.1f} GB needed")
    _, _, out, _ = measured([sys.executable, "-c", BANDWIDTH])
    bw = json.loads(out)
    bandwidth = bw["two_threads"]
    versions = subprocess.run([sys.executable, "-c", "import duckdb, pandas, pyarrow; print('DuckDB', "
                               "duckdb.__version__, '- pandas', pandas.__version__, '- pyarrow', pyarrow.__version__)"],
                              capture_output=True, text=True).stdout.strip()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    print(f"machine: {os.cpu_count()} cores, {mem / 2**30:.0f} GiB; {versions}")
    print(f"tally: built from {head or 'an unknown commit'}" + (" with uncommitted changes" if dirty else "")
          + f" (copied to {binary}); load average before the run {os.getloadavg()[0]:.2f}")
    print(f"memory scan bandwidth (numpy sum over {bw['bytes'] / 2**30:.0f} GiB, best of 5): "
          f"{bw['one_thread'] / 1e9:.1f} GB/s on one thread, {bw['two_threads'] / 1e9:.1f} GB/s on two")
    args.workbook_rows = parse_size(args.workbook_rows) if args.workbook_rows != "0" else 0
    results = [run_size(args, n, bandwidth) for n in sizes]
    workbook = run_workbook(args) if args.workbook_rows else None
    print_summary(results, args, bandwidth, workbook)


if __name__ == "__main__":
    main()
