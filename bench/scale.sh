#!/usr/bin/env bash
# The scale benchmark (issue #13): SYNTHETIC national arrests from `tally synth` at each
# size of --sizes (default 1M,10M; `--sizes 1M,10M,50M` for the issue's largest, about 30
# minutes and 3 GB of disk under /tmp/tally-scale), ingested and counted by Tally beside
# DuckDB and pandas on the same files and on Tally's own Parquet. Prints Markdown tables of
# medians, ratios and peak memory, how each figure grows, and the issue's goals, met or
# missed. `--spark` adds Apache Spark (pyspark, local mode, the machine's Java 17): heavy.
# Other options: bench/scale.py --help. Not a test: numbers depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tally-target}"
cargo build --release -p tally --quiet
pip_install() {
  python3 -m pip install --quiet "$@" 2>/dev/null || python3 -m pip install --quiet --break-system-packages "$@"
}
for module in pandas pyarrow duckdb numpy; do
  python3 -c "import $module" 2>/dev/null || pip_install "$module"
done
# pandas reads the 2025 workbooks with the calamine engine (the reader Tally uses).
python3 -c "import python_calamine" 2>/dev/null || pip_install python-calamine
if [[ " $* " == *" --spark "* ]]; then
  python3 -c "import pyspark" 2>/dev/null || pip_install pyspark
fi
df -h "${TMPDIR:-/tmp}" | tail -1 | awk '{print "disk: " $4 " free on " $6}'
exec python3 bench/scale.py --tally "$CARGO_TARGET_DIR/release/tally" "$@"
