#!/usr/bin/env bash
# Benchmark: ingest of the whole national 2019-ICFO-53623 folder by Tally (full
# normalization + Parquet write) beside pandas reading the same files (read_csv, same
# banner skip), and DuckDB's read_csv when installed, in the same run. Prints times,
# the ratio and peak memory. Not a test: numbers depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tally-target}"
cargo build --release -p tally --quiet
python3 -c "import pandas" 2>/dev/null || python3 -m pip install --quiet pandas
python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb || true
python3 bench/ingest_vs_peers.py --tally "$CARGO_TARGET_DIR/release/tally" \
  --data ../shared/data/ice-lesa/national-2019-ICFO-53623 "$@"
# De-duplicated counts (issue #10): SYNTHETIC arrests with planted duplicates, Tally's
# rules beside DuckDB's SQL and pandas' drop_duplicates on Tally's own Parquet.
python3 -c "import pyarrow" 2>/dev/null || python3 -m pip install --quiet pyarrow
echo
python3 bench/dedup_vs_peers.py --tally "$CARGO_TARGET_DIR/release/tally" --rows "${DEDUP_ROWS:-10000000}"
# Detention stays from stints (issue #10): SYNTHETIC stints from `tally synth`, Tally beside
# the same rule in DuckDB SQL and pandas on Tally's own Parquet.
echo
python3 bench/stays_vs_peers.py --tally "$CARGO_TARGET_DIR/release/tally" --rows "${STAYS_ROWS:-10000000}"
# Load test of `tally serve` (issue #12): p50/p99 latency and the server's peak memory at 1,
# 10 and 50 connections on loopback, count and series requests on the national store, with
# Debian's wrk (a separate process); any error fails the script.
command -v wrk >/dev/null || (apt-get install -y wrk || (apt-get update && apt-get install -y wrk))
echo
python3 bench/serve_load.py --tally "$CARGO_TARGET_DIR/release/tally" \
  --data ../shared/data/ice-lesa/national-2019-ICFO-53623
# Scale (issue #13): SYNTHETIC national arrests from `tally synth` at 1M and 10M rows
# (SCALE_SIZES=1M,10M,50M for the largest), Tally's ingest and queries beside DuckDB and
# pandas, growth and the issue's goals.
echo
bash bench/scale.sh --sizes "${SCALE_SIZES:-1M,10M}"
