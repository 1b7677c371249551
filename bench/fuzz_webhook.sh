#!/usr/bin/env bash
# The long fuzz run of the live webhook (tests/web/test_webhook_fuzz.py), recorded in
# docs/benchmarks.md: CHUNKS rounds of KITH_FUZZ_EXAMPLES hostile requests on each
# database (default 5 x 10,000 on SQLite and on PostgreSQL: 100,000 in all), each
# round with fresh random examples; one result line a round, so a run cut short
# still says how far it got. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
export KITH_FUZZ_EXAMPLES="${KITH_FUZZ_EXAMPLES:-10000}"
CHUNKS="${CHUNKS:-5}"
status=0
for round in $(seq 1 "$CHUNKS"); do
  for db in sqlite postgresql; do
    started=$(date +%s)
    if .venv/bin/python -m pytest -q -p no:cacheprovider -p no:logging \
      tests/web/test_webhook_fuzz.py -k "$db" "$@" > /tmp/kith-fuzz-last.log 2>&1; then
      result=passed
    else
      result=FAILED
      status=1
      cp /tmp/kith-fuzz-last.log "/tmp/kith-fuzz-failed-$round-$db.log"
    fi
    echo "round $round $db: $KITH_FUZZ_EXAMPLES examples $result in $(( $(date +%s) - started )) s"
  done
done
exit $status
