"""Load test of `tally serve` on loopback (issue #12): latency and the server's memory.

Starts `tally serve` on the national arrests store (built here from the national
2019-ICFO-53623 folder, or an existing store given with --store), then runs Debian's `wrk`
(a separate process, closed loop: each connection sends its next request when the last
is answered) against count and series requests and the HTML count page, each for
--duration seconds at 1, 10 and 50 concurrent connections. Prints requests/s, p50 and p99
latency (wrk --latency), errors (non-2xx/3xx responses and socket errors, which must be
zero: the script exits 1 otherwise) and the server's peak resident memory (VmHWM in
/proc/PID/status: the peak since the server started, so it can only grow down the table).

Requests that repeat one URL can be answered from a response cache; one scenario, labelled
"uncached", makes every request a different URL (a wrk Lua script walks distinct
from=/to= windows), so no cache can answer it. wrk and the server share the machine's
cores: numbers depend on the machine, this is not a test.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(REPO, "..", "shared", "data", "ice-lesa", "national-2019-ICFO-53623")

# (name, kind, path): repeated URLs, as a dashboard's visitors would send them.
SCENARIOS = [
    ("count fy,aor", "count", "/count/arrests.json?by=fy,aor"),
    ("count fy,method-group CHI", "count", "/count/arrests.json?by=fy,method-group&aor=CHI"),
    ("series week,method-group CHI 2019", "series",
     "/count/arrests.json?by=week,method-group&aor=CHI&from=2019-01-01&to=2019-08-31"),
    ("series month CHI,NYC,LOS", "series", "/count/arrests.json?by=month&aor=CHI,NYC,LOS"),
    ("HTML page month CHI", "page", "/count/arrests?by=month&aor=CHI"),
]

# The uncached scenario: every request a different date window on the weekly series.
# from= walks the 365 days from 2016-10-01 (FY2017), to= the 335 days from 2018-10-01
# (FY2019): 122,275 distinct windows; thread k starts at window k * 61,000.
UNCACHED_NAME = "UNCACHED series week,method-group CHI (every URL distinct)"
UNCACHED_PATH = "/count/arrests.json?by=week,method-group&aor=CHI"
FROM_DAYS, TO_DAYS, THREAD_STRIDE = 365, 335, 61_000
UNCACHED_LUA = r"""
local threads = 0
function setup(thread)
  thread:set("first", threads * %(stride)d)
  threads = threads + 1
end
function init(args)
  i = first
end
local from0 = os.time({year=2016, month=10, day=1, hour=12})
local to0 = os.time({year=2018, month=10, day=1, hour=12})
function request()
  local from = os.date("%%Y-%%m-%%d", from0 + (i %% %(from_days)d) * 86400)
  local to = os.date("%%Y-%%m-%%d", to0 + (math.floor(i / %(from_days)d) %% %(to_days)d) * 86400)
  i = i + 1
  return wrk.format(nil, "%(path)s&from=" .. from .. "&to=" .. to)
end
""" % {"stride": THREAD_STRIDE, "from_days": FROM_DAYS, "to_days": TO_DAYS, "path": UNCACHED_PATH}
UNCACHED_SAMPLE = UNCACHED_PATH + "&from=2016-10-01&to=2018-10-01"

AIM_MS, AIM_CONNECTIONS = 50.0, 50


def proc_status_kib(pid, field):
    """A `VmHWM:`/`VmRSS:` value from /proc/PID/status, in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def has_arrests(store):
    return os.path.isfile(os.path.join(store, "manifest.json")) and os.path.isdir(os.path.join(store, "arrests"))


def ingest(tally, store, data):
    t = time.perf_counter()
    p = subprocess.run([tally, "ingest", "--store", store, data], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"tally ingest failed:\n{p.stderr}")
    return time.perf_counter() - t


def start_server(tally, store, workdir):
    """Starts `tally serve` on a free loopback port; returns (process, base URL, log path).

    stdout and stderr go to files (the server logs every request to stderr, and a pipe
    nobody reads would fill up and stall it)."""
    out_path, log_path = os.path.join(workdir, "serve.out"), os.path.join(workdir, "serve.log")
    with open(out_path, "w") as out, open(log_path, "w") as log:
        proc = subprocess.Popen([tally, "serve", "--store", store, "--bind", "127.0.0.1:0"],
                                stdout=out, stderr=log, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(out_path) as f:
            m = re.search(r"listening on (http://\S+)", f.read())
        if m:
            return proc, m.group(1), log_path
        if proc.poll() is not None:
            with open(log_path) as f:
                sys.exit(f"tally serve exited with {proc.returncode}:\n{f.read()}")
        time.sleep(0.05)
    proc.kill()
    sys.exit("tally serve printed no 'listening on' line in 30 s")


def check_200(url):
    """One request, which must be answered 200; returns its latency in ms."""
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        sys.exit(f"{url} answered {e.code}: {e.read()[:500]!r}")
    if status != 200:
        sys.exit(f"{url} answered {status}")
    return (time.perf_counter() - t) * 1000


UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(f"unreadable wrk time {text!r}")
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def parse_wrk(out):
    """requests, req/s, p50 and p99 ms, non-2xx/3xx count and socket errors from wrk's text."""
    def grab(pattern, default=None):
        m = re.search(pattern, out, re.M)
        if m is None:
            if default is None:
                raise ValueError(f"wrk output lacks {pattern!r}:\n{out}")
            return default
        return m.groups() if len(m.groups()) > 1 else m.group(1)

    sock = grab(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", ("0", "0", "0", "0"))
    return {
        "requests": int(grab(r"^\s*(\d+) requests in")),
        "rps": float(grab(r"^Requests/sec:\s+([\d.]+)")),
        "p50": to_ms(grab(r"^\s+50%\s+(\S+)")),
        "p99": to_ms(grab(r"^\s+99%\s+(\S+)")),
        "non2xx": int(grab(r"Non-2xx or 3xx responses: (\d+)", "0")),
        "socket": dict(zip(("connect", "read", "write", "timeout"), map(int, sock))),
    }


def run_wrk(url, connections, threads, duration, timeout, script=None):
    cmd = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{duration}s",
           "--timeout", f"{timeout}s", "--latency"]
    if script:
        cmd += ["-s", script]
    p = subprocess.run(cmd + [url], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"wrk failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return parse_wrk(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tally", required=True, help="the tally binary")
    ap.add_argument("--store", help="a store holding the national arrests: reused when it has "
                    "them, else the --data folder is ingested into it (and kept); default: a "
                    "temporary store, removed at the end")
    ap.add_argument("--data", default=DEFAULT_DATA, help="the national 2019-ICFO-53623 folder")
    ap.add_argument("--duration", type=int, default=10, help="seconds per run (default 10)")
    ap.add_argument("--connections", default="1,10,50", help="comma-separated (default 1,10,50)")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (default 2, one per core)")
    ap.add_argument("--timeout", type=int, default=10, help="wrk's per-request timeout in s "
                    "(default 10; wrk leaves timed-out requests out of its latencies)")
    args = ap.parse_args()
    connections = [int(c) for c in args.connections.split(",")]
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk (bench/run.sh installs it)")

    workdir = tempfile.mkdtemp(prefix="tally-serve-load-")
    store = args.store or os.path.join(workdir, "store")
    server = None
    failures = []
    try:
        if has_arrests(store):
            print(f"store: {store} (reused)")
        else:
            seconds = ingest(args.tally, store, args.data)
            print(f"store: {store} (`tally ingest` of {os.path.normpath(args.data)}: {seconds:.1f} s)")
        wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
        print(f"machine: {os.cpu_count()} cores, shared by the server and {wrk_version.split(' Copyright')[0]}"
              f" ({args.threads} threads); {args.duration} s per run, closed loop, loopback\n")

        server, base, log_path = start_server(args.tally, store, workdir)
        pid = server.pid
        first_ms = {}
        for name, _, path in SCENARIOS:
            first_ms[name] = check_200(base + path)
        first_ms[UNCACHED_NAME] = check_200(base + UNCACHED_SAMPLE)
        start_hwm = proc_status_kib(pid, "VmHWM")
        print(f"server: pid {pid}, {base}; peak RSS {start_hwm / 1024:.0f} MiB after one request of each kind")
        print("first request of each (ms): " + ", ".join(f"{n} {ms:.0f}" for n, ms in first_ms.items()) + "\n")

        lua = os.path.join(workdir, "uncached.lua")
        with open(lua, "w") as f:
            f.write(UNCACHED_LUA)

        rows = []
        runs = [(name, kind, base + path, None) for name, kind, path in SCENARIOS]
        runs.append((UNCACHED_NAME, "uncached", base + UNCACHED_PATH, lua))
        for name, kind, url, script in runs:
            for c in connections:
                # One request first, answered 200: also waits out what the last run left queued.
                check_200(base + UNCACHED_SAMPLE if script else url)
                if server.poll() is not None:
                    raise RuntimeError(f"tally serve exited with {server.returncode}")
                r = run_wrk(url, c, args.threads, args.duration, args.timeout, script)
                r["hwm"] = proc_status_kib(pid, "VmHWM") / 1024
                r["rss"] = proc_status_kib(pid, "VmRSS") / 1024
                errors = r["non2xx"] + sum(r["socket"].values())
                if r["requests"] == 0:
                    errors += 1
                r["errors"] = errors
                if errors:
                    detail = ", ".join(f"{k} {v}" for k, v in r["socket"].items() if v)
                    failures.append(f"{name} at {c}: {r['non2xx']} non-2xx/3xx, socket errors: {detail or 'none'}, "
                                    f"{r['requests']} requests")
                if script and r["requests"] > THREAD_STRIDE * min(args.threads, c):
                    failures.append(f"{name} at {c}: {r['requests']} requests, more than its distinct URLs")
                rows.append((name, kind, c, r))
                print(f"  ran {name} at {c}: {r['rps']:.0f} req/s, p99 {r['p99']:.1f} ms", file=sys.stderr)

        print("| scenario | connections | req/s | p50 ms | p99 ms | errors | server peak RSS MiB | server RSS now MiB |")
        print("|---|---|---|---|---|---|---|---|")
        for name, _, c, r in rows:
            print(f"| {name} | {c} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} "
                  f"| {r['hwm']:.0f} | {r['rss']:.0f} |")
        print(f"\nServer peak RSS overall: {max(r['hwm'] for *_, r in rows):.0f} MiB "
              f"(VmHWM, the peak since start; {start_hwm / 1024:.0f} MiB before the load).")
        print(f"Aim: p99 under {AIM_MS:.0f} ms at {AIM_CONNECTIONS} connections."
              + ("" if AIM_CONNECTIONS in connections else " (Not judged: no run at that many.)"))
        for name, _, c, r in rows:
            if c == AIM_CONNECTIONS:
                verdict = "met" if r["p99"] < AIM_MS else "NOT met"
                print(f"- {name}: {verdict} (p99 {r['p99']:.1f} ms)")
        with open(log_path) as f:
            non_200 = sum(1 for line in f if "-> " in line and "-> 200" not in line)
        if non_200:
            print(f"\nserver log: {non_200} responses other than 200")
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    if failures:
        print("\nERRORS (there must be none):")
        for f in failures:
            print(f"- {f}")
        sys.exit(1)


if __name__ == "__main__":
    main()
