# assets_smoke: natter-bench --mode assets against a real natterd with a
# 4 MiB file (random, compressible, given with --file): one JSON line with the contract's
# keys (DESIGN.md section 9) and the additions, exit 0; a file over
# natterd's --max-asset is a failure (exit 1); bad flags are usage errors.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init bench_assets_client_smoke
[ -x "$NATTER_BENCH_BIN" ] || fail "binary not built: $NATTER_BENCH_BIN"
start_server
export TMPDIR="$ROOT"	# the bench's profiles and files, removed with ROOT

bench()
{
	timeout -k 5 120 "$NATTER_BENCH_BIN" --server "$URL" --mode assets \
	    "$@" 2>>"$ROOT/bench.err"
}

# check FILE COMPRESSIBLE: one JSON line, the keys, sane values.
check()
{
	python3 - "$@" <<'PY' || fail "assets: $(cat "$1")"
import json, sys
path, compressible = sys.argv[1], int(sys.argv[2])
lines = [l for l in open(path).read().splitlines() if l.strip()]
assert len(lines) == 1, "want one line"
o = json.loads(lines[0])
contract = ["mode", "bytes", "upload_mb_per_s", "download_mb_per_s",
    "client_peak_rss_bytes", "server_rss_growth_bytes"]
added = ["sha256_mb_per_s", "upload_ratio", "download_ratio",
    "compressible", "client_open_peak_rss_bytes", "client_rss_growth_bytes",
    "upload_s", "encrypt_s", "post_s", "pointer_s", "download_s", "fetch_s",
    "save_s", "client_cpu_s", "server_cpu_s"]
assert sorted(o) == sorted(contract + added), "keys: %s" % sorted(o)
assert o["mode"] == "assets" and o["bytes"] == 4194304, o
assert o["compressible"] == compressible, o
for k in ["upload_mb_per_s", "download_mb_per_s", "sha256_mb_per_s",
    "upload_ratio", "download_ratio", "upload_s", "download_s"]:
    assert isinstance(o[k], (int, float)) and o[k] > 0, k
assert o["client_peak_rss_bytes"] >= o["client_open_peak_rss_bytes"] > 0
assert o["upload_s"] >= o["encrypt_s"] + o["post_s"]
assert o["download_s"] >= o["fetch_s"] + o["save_s"] - 0.002
assert o["server_rss_growth_bytes"] >= 0 and o["client_rss_growth_bytes"] >= 0
PY
}

bench --size 4194304 --json >"$ROOT/random" ||
    fail "assets exited $?: $(cat "$ROOT/bench.err")"
check "$ROOT/random" 0
bench --size 4194304 --compressible --json >"$ROOT/text" ||
    fail "assets --compressible exited $?: $(cat "$ROOT/bench.err")"
check "$ROOT/text" 1
head -c 4194304 /dev/urandom >"$ROOT/given"
bench --file "$ROOT/given" --json >"$ROOT/file" ||
    fail "assets --file exited $?: $(cat "$ROOT/bench.err")"
check "$ROOT/file" 0
[ -s "$ROOT/given" ] || fail "--file removed the file"
for f in "$ROOT"/natter-bench-assets.*; do
	[ -e "$f" ] && fail "temporary files left: $f"
done

assert_exit 2 "no size" "$NATTER_BENCH_BIN" --mode assets --size 0
assert_exit 2 "unknown flag" "$NATTER_BENCH_BIN" --mode assets --pairs 2
assert_exit 2 "--file and --size differ" "$NATTER_BENCH_BIN" --mode assets \
    --file "$ROOT/given" --size 5
# A file the server refuses is a failure, not a hang or a report.
restart_server --max-asset 1048576
assert_exit 1 "over --max-asset" bench --size 4194304 --json
stop_server
assert_exit 1 "no server" bench --size 1024
pass
