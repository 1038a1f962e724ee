# cluster-e2e.sh: sourced by tests/cluster/*.sh. The shared harness
# (tests/e2e/lib.sh) plus a cluster (scripts/cluster) of the test's own,
# in its ROOT, stopped when the test ends however it ends.
#
#   ce_init NAME N   like e2e_init, then scripts/cluster up N; BALANCER is
#                    haproxy's URL, ROOT/status the cluster's status lines
#   on K             the next natter commands connect to node K itself
#                    (URL; HTTP for its /metrics)
#   texts FILE       the texts of FILE's message events, space-separated
#   online_here OP N natter_online_devices of node URL is OP N (test(1))
#   exited PID       the child PID has exited (a zombie until waited for)
#   pg_value SQL     the one value SQL selects from the cluster's database
#   cprobe STEP...   natter-probe against node URL (keys in ROOT/keys)
#   (link_offer NEW LABEL, for a device linked across nodes, is lib.sh's)

E2E_TOP=${NATTER_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$E2E_TOP/tests/e2e/lib.sh"
CLUSTER=$E2E_TOP/scripts/cluster

ce_down()
{
	"$CLUSTER" down >/dev/null 2>&1 || true
}

ce_init()
{
	e2e_init "$1"
	chmod 755 "$ROOT"	# PostgreSQL runs as postgres when we are root
	export NATTER_CLUSTER_DIR="$ROOT/cluster"
	export NATTERD_BIN
	E2E_EXTRA_CLEANUP=ce_down
	"$CLUSTER" up "$2" >"$ROOT/up.out" 2>"$ROOT/up.err" || {
		cat "$ROOT/up.out" "$ROOT/up.err" >&2
		fail "scripts/cluster up $2 failed"
	}
	BALANCER=$(tail -n 1 "$ROOT/up.out")
	"$CLUSTER" status >"$ROOT/status" ||
	    fail "status: $(cat "$ROOT/status")"
}

on()
{
	URL="ws://$(awk -v n="node$1" '$1 == "natterd" && $2 == n { print $5 }' \
	    "$ROOT/status")"
	HTTP="http://${URL#ws://}"
}

texts()
{
	jl "$1" '" ".join(o["text"] for o in L if o["type"] == "message")'
}

online_here()
{
	[ "$(metric natter_online_devices)" "$1" "$2" ] 2>/dev/null
}

exited()
{
	[ ! -e "/proc/$1" ] || grep -q '^[0-9]* (.*) Z ' "/proc/$1/stat"
}

pg_value()
{
	pv_url=$(sed -n 's/^postgres on .* (\(postgresql:.*\))$/\1/p' \
	    "$ROOT/up.out")
	[ -n "$pv_url" ] || fail "no PostgreSQL URL in: $(cat "$ROOT/up.out")"
	psql -At "$pv_url" -c "$1" 2>"$ROOT/psql.err" ||
	    echo "psql failed: $(cat "$ROOT/psql.err")"
}

cprobe()
{
	mkdir -p "$ROOT/keys"
	timeout -k 5 60 "$NATTER_PROBE_BIN" -k "$ROOT/keys" "${URL#ws://}" \
	    "$@" 2>>"$ROOT/probe.err"
}

