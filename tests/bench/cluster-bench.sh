#!/bin/sh
# cluster-bench: natter-bench --mode relay against one SQLite natterd
# and against clusters of N nodes (scripts/cluster) through haproxy,
# runs interleaved, with what each process spent per message: CPU of
# natterd(s), PostgreSQL (the postmaster and all its children), redis-server
# and haproxy from /proc/PID/stat; Redis commands (INFO commandstats);
# PostgreSQL transactions (pg_stat_database.xact_commit), statements
# (pg_stat_statements), rows and WAL bytes; natterd's group commits
# (natter_commits_total, summed over the nodes). docs/scaling.md has the
# figures. A benchmark, not a test (not in CTest).
#   tests/bench/cluster-bench.sh [-r RUNS] [-c "sqlite 1 2"] [BENCH-ARGS...]
# A config is sqlite (one natterd, --sync full), N (a cluster of N nodes,
# natter-bench through haproxy) or Nlocal (N nodes, one natter-bench per
# node talking to it directly with pairs/N pairs: no pair crosses nodes;
# msgs_per_s is the sum, p99_ms the worst).
# BENCH-ARGS (default: --pairs 50 --messages 2000 --window 32 --size 100)
# follow --server URL --mode relay --json. One JSON line per run on
# stdout; with -v the top PostgreSQL statements and Redis commands of
# each run go to stderr. The counters are read before natter-bench starts
# and after it exits, so they include its 2 x pairs registrations and
# logins (natter-bench's own server_cpu_us_per_msg, natterd's CPU during
# the relay alone, is in "bench" where /metrics reaches the one node).
# With -i SEGMENTS, the SQLite natterd and one cluster (the first number
# in CONFIGS, default 2 nodes) are started once and both kept running,
# and natter-bench alternates between them SEGMENTS times: a slow spell
# of the machine (this VM has them, tens of seconds long) then weighs on
# both alike. One JSON line per segment pair and one for the totals:
# natterd CPU per message on each and their ratio.
#   NATTERD_BIN   natterd (default build/server/natterd)
#   NATTER_BENCH_BIN  natter-bench (default build/tests/bench/natter-bench)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${NATTER_BUILD:-$top/build}
NATTERD_BIN=${NATTERD_BIN:-$build/server/natterd}
bench=${NATTER_BENCH_BIN:-$build/tests/bench/natter-bench}
export NATTERD_BIN
runs=2
configs="sqlite 1 2"
verbose=0
segments=0
usage()
{
	echo "usage: cluster-bench.sh [-r RUNS] [-c CONFIGS] [-i SEGMENTS] \
[-v] [BENCH-ARGS...]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	-r) [ $# -ge 2 ] || usage; runs=$2; shift 2 ;;
	-c) [ $# -ge 2 ] || usage; configs=$2; shift 2 ;;
	-v) verbose=1; shift ;;
	-i) [ $# -ge 2 ] || usage; segments=$2; shift 2 ;;
	-h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- --pairs 50 --messages 2000 --window 32 --size 100
[ -x "$NATTERD_BIN" ] || { echo "cluster-bench: no natterd at $NATTERD_BIN" >&2; exit 2; }
[ -x "$bench" ] || { echo "cluster-bench: no natter-bench at $bench" >&2; exit 2; }

work=$(mktemp -d /tmp/natter-cbench.XXXXXX)
chmod 755 "$work"
sqlite_pid=
cluster=
cleanup()
{
	[ -n "$sqlite_pid" ] && kill "$sqlite_pid" 2>/dev/null &&
	    wait "$sqlite_pid" 2>/dev/null
	[ -n "$cluster" ] && NATTER_CLUSTER_DIR=$cluster \
	    "$top/scripts/cluster" down >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tck=$(getconf CLK_TCK)

# ticks PID...: utime + stime of the PIDs, summed (gone ones count 0).
ticks()
{
	t=0
	for p in "$@"; do
		v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null |
		    awk '{ print $12 + $13 }') || v=0
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# pg_pids: the postmaster and its children.
pg_pids()
{
	echo "$pgpid"
	for s in /proc/[0-9]*/stat; do
		sed 's/.*) //' "$s" 2>/dev/null | awk -v pp="$pgpid" -v f="$s" \
		    '$2 == pp { split(f, a, "/"); print a[3] }'
	done
}

metric()	# metric ADDR NAME
{
	curl -fsS -m 5 "http://$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'
}

sum_metric()	# sum_metric NAME: over the nodes
{
	s=0
	for a in $nodeaddrs; do
		s=$(awk -v s="$s" -v v="$(metric "$a" "$1")" 'BEGIN { print s + v }')
	done
	echo "$s"
}

psqlc()
{
	psql "$pgurl" -qAtX -c "$1"
}

redis_cmds()	# total calls except info
{
	redis-cli -h "${redisaddr%:*}" -p "${redisaddr#*:}" info commandstats |
	    tr -d '\r' | awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" {
	    s += $3 } END { print s + 0 }'
}

# sample WHEN: every counter into $work/WHEN.
sample()
{
	{
		# shellcheck disable=SC2086,SC2046 # pid lists, split on purpose
		echo "natterd $(ticks $natterdpids)"
		if [ -n "$cluster" ]; then
			# shellcheck disable=SC2046
			echo "postgres $(ticks $(pg_pids))"
			echo "redis $(ticks "$redispid")"
			echo "haproxy $(ticks "$haproxypid")"
			echo "commits $(sum_metric natter_commits_total)"
			echo "dircmds $(sum_metric natter_directory_commands_total)"
			echo "rediscmds $(redis_cmds)"
			psqlc "SELECT 'xact ' || xact_commit, 'rollback ' ||
			    xact_rollback, 'ins ' || tup_inserted, 'del ' ||
			    tup_deleted, 'upd ' || tup_updated FROM
			    pg_stat_database WHERE datname = 'natter'" |
			    tr '|' '\n'
			echo "wal $(psqlc "SELECT pg_current_wal_lsn() - '0/0'")"
			echo "autovac $(psqlc "SELECT sum(autovacuum_count +
			    autoanalyze_count) FROM pg_stat_user_tables")"
		else
			echo "commits $(sum_metric natter_commits_total)"
		fi
	} >"$work/$1"
}

delta()		# delta NAME: after - before
{
	awk -v n="$1" '$1 == n { v[FILENAME] = $2 } END {
	    printf "%.0f", v[ARGV[2]] - v[ARGV[1]] }' "$work/before" "$work/after"
}

per()		# per X MSGS [SCALE]
{
	awk -v x="$1" -v m="$2" -v k="${3:-1}" 'BEGIN { printf "%.3f", x * k / m }'
}

start_sqlite()
{
	mkdir -p "$work/sqlite"
	ss_try=0
	while :; do
		port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		"$NATTERD_BIN" --listen "127.0.0.1:$port" --data "$work/sqlite" \
		    --sync full --log-level error </dev/null \
		    >>"$work/sqlite.log" 2>&1 &
		sqlite_pid=$!
		k=0
		until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
			k=$((k + 1))
			if ! kill -0 "$sqlite_pid" 2>/dev/null ||
			    [ $k -ge 150 ]; then
				break
			fi
			sleep 0.1
		done
		kill -0 "$sqlite_pid" 2>/dev/null && [ $k -lt 150 ] && break
		kill "$sqlite_pid" 2>/dev/null || true
		wait "$sqlite_pid" 2>/dev/null || true
		sqlite_pid=
		ss_try=$((ss_try + 1))
		[ $ss_try -lt 5 ] || { cat "$work/sqlite.log" >&2;
		    echo "cluster-bench: natterd did not start" >&2; exit 1; }
	done
	url=ws://127.0.0.1:$port
	natterdpids=$sqlite_pid
	nodeaddrs=127.0.0.1:$port
}

stop_sqlite()
{
	kill "$sqlite_pid" 2>/dev/null || true
	wait "$sqlite_pid" 2>/dev/null || true
	k=0
	while kill -0 "$sqlite_pid" 2>/dev/null && [ $k -lt 150 ]; do
		sleep 0.1
		k=$((k + 1))
	done
	sqlite_pid=
	rm -rf "$work/sqlite"
}

start_cluster()	# start_cluster N
{
	cluster=$work/c
	NATTER_CLUSTER_DIR=$cluster NATTER_CLUSTER_NOSETUP=1 \
	    PGTMP_CONF="shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track_utility = on" \
	    "$top/scripts/cluster" up "$1" >"$work/up.log" 2>&1 ||
	    { cat "$work/up.log" >&2; exit 1; }
	url=$(tail -n 1 "$work/up.log")
	NATTER_CLUSTER_DIR=$cluster "$top/scripts/cluster" status >"$work/status"
	natterdpids=$(awk '$1 == "natterd" { print $4 }' "$work/status")
	nodeaddrs=$(awk '$1 == "natterd" { print $5 }' "$work/status")
	pgpid=$(awk '$1 == "postgres" { print $4 }' "$work/status")
	redispid=$(awk '$1 == "redis" { print $4 }' "$work/status")
	redisaddr=$(awk '$1 == "redis" { print $5 }' "$work/status")
	haproxypid=$(awk '$1 == "haproxy" { print $4 }' "$work/status")
	pgurl=$("$top/tests/tools/pgtmp" url "$cluster/postgres")
	psqlc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
}

stop_cluster()
{
	[ -n "$cluster" ] || return 0
	NATTER_CLUSTER_DIR=$cluster "$top/scripts/cluster" down >/dev/null
	cluster=
}

# bench_msgs OUT: the messages of natter-bench's JSON line (pairs x
# messages).
bench_msgs()
{
	echo "$1" | sed 's/^{"mode":"relay","pairs":\([0-9]*\),"messages":\([0-9]*\).*/\1 \2/' |
	    awk '{ print $1 * $2 }'
}

# report CONFIG RUN LOAD OUT: one JSON line.
report()
{
	rp_m=$(bench_msgs "$4")
	rp_us=$(awk -v t="$tck" 'BEGIN { print 1e6 / t }')
	rp_line="{\"config\":\"$1\",\"run\":$2,\"load1\":$3,\"msgs\":$rp_m"
	rp_line="$rp_line,\"bench\":$4"
	rp_line="$rp_line,\"natterd_cpu_us_per_msg\":$(per "$(delta natterd)" "$rp_m" "$rp_us")"
	rp_c=$(delta commits)
	rp_line="$rp_line,\"natter_commits\":$rp_c"
	if [ "$1" != sqlite ]; then
		rp_x=$(delta xact)
		rp_line="$rp_line,\"postgres_cpu_us_per_msg\":$(per "$(delta postgres)" "$rp_m" "$rp_us")"
		rp_line="$rp_line,\"redis_cpu_us_per_msg\":$(per "$(delta redis)" "$rp_m" "$rp_us")"
		rp_line="$rp_line,\"haproxy_cpu_us_per_msg\":$(per "$(delta haproxy)" "$rp_m" "$rp_us")"
		rp_line="$rp_line,\"redis_cmds_per_msg\":$(per "$(delta rediscmds)" "$rp_m")"
		rp_line="$rp_line,\"natter_dir_cmds_per_msg\":$(per "$(delta dircmds)" "$rp_m")"
		rp_line="$rp_line,\"pg_xact\":$rp_x,\"pg_xact_per_msg\":$(per "$rp_x" "$rp_m")"
		rp_line="$rp_line,\"pg_xact_per_natter_commit\":$(per "$rp_x" "$rp_c")"
		# What is not a natterd turn: the psql queries of this script's
		# own samples and the nodes' start (a few per run, whatever
		# the load), which the ratio above spreads over the commits.
		rp_line="$rp_line,\"pg_xact_beyond_commits\":$((rp_x - rp_c))"
		rp_line="$rp_line,\"pg_rollbacks\":$(delta rollback)"
		rp_line="$rp_line,\"pg_stmts_per_msg\":$(per "$stmts" "$rp_m")"
		rp_line="$rp_line,\"pg_stmts_no_tx_per_msg\":$(per "$stmts_notx" "$rp_m")"
		rp_line="$rp_line,\"pg_rows_ins_per_msg\":$(per "$(delta ins)" "$rp_m")"
		rp_line="$rp_line,\"pg_rows_del_per_msg\":$(per "$(delta del)" "$rp_m")"
		rp_line="$rp_line,\"pg_rows_upd_per_msg\":$(per "$(delta upd)" "$rp_m")"
		rp_line="$rp_line,\"pg_wal_bytes_per_msg\":$(per "$(delta wal)" "$rp_m")"
		# Autovacuum and autoanalyze runs on natter's tables during
		# the run: their CPU is in postgres_cpu_us_per_msg.
		rp_line="$rp_line,\"pg_autovacuums\":$(delta autovac)"
	fi
	echo "$rp_line}"
}

# keep_logs CONFIG RUN OUT: natter-bench failed; say so and keep the
# natterd logs (the per-message figures of that run are not meaningful).
keep_logs()
{
	kl_dir=$(mktemp -d /tmp/natter-cbench-logs.XXXXXX)
	cp "$work"/*.log "${cluster:-/nonexistent}"/*.log "$kl_dir" 2>/dev/null ||
	    true
	echo "cluster-bench: $1 run $2: natter-bench failed: $3 (logs in \
$kl_dir)" >&2
}

# bench_local BENCH-ARGS: one natter-bench per node, each straight to
# its node with pairs/N of the pairs; prints one natter-bench-like JSON
# object (the sum of msgs_per_s, the worst p99_ms and max_ms) with the
# benches' own lines in "each".
bench_local()
{
	bl_pairs=50
	bl_args=
	while [ $# -gt 0 ]; do
		if [ "$1" = --pairs ]; then
			bl_pairs=$2
			shift 2
			continue
		fi
		bl_args="$bl_args $1"
		shift
	done
	bl_n=$(echo "$nodeaddrs" | wc -w)
	bl_k=0
	for a in $nodeaddrs; do
		bl_k=$((bl_k + 1))
		# shellcheck disable=SC2086
		"$bench" --server "ws://$a" --mode relay --json \
		    --pairs $((bl_pairs / bl_n)) $bl_args >"$work/bench.$bl_k" ||
		    keep_logs "$c" "$run" "$(cat "$work/bench.$bl_k")" &
	done
	wait
	cat "$work"/bench.* | awk '
	function v(k,   r) { r = $0; sub(".*\"" k "\":", "", r);
	    sub("[,}].*", "", r); return r + 0 }
	{ pairs += v("pairs"); m = v("messages"); rate += v("msgs_per_s")
	  if (v("p99_ms") > p99) p99 = v("p99_ms")
	  if (v("max_ms") > mx) mx = v("max_ms")
	  if (v("seconds") > sec) sec = v("seconds")
	  lost += v("lost"); dup += v("dup")
	  each = each (NR > 1 ? "," : "") $0 }
	END { printf "{\"mode\":\"relay\",\"pairs\":%d,\"messages\":%d," \
	    "\"seconds\":%.3f,\"msgs_per_s\":%.0f,\"p99_ms\":%.3f," \
	    "\"max_ms\":%.3f,\"lost\":%d,\"dup\":%d,\"each\":[%s]}\n",
	    pairs, m, sec, rate, p99, mx, lost, dup, each }'
	rm -f "$work"/bench.*
}

# segment NAME URL PIDS BENCH-ARGS: one natter-bench run against URL;
# prints "MSGS TICKS MSGS_PER_S" (TICKS: the natterd CPU of PIDS).
segment()
{
	sg_name=$1 sg_url=$2 sg_pids=$3
	shift 3
	# shellcheck disable=SC2086 # a pid list
	sg_t0=$(ticks $sg_pids)
	sg_out=$("$bench" --server "$sg_url" --mode relay --json "$@") ||
	    { keep_logs "$sg_name" "$k" "$sg_out"; return 1; }
	# shellcheck disable=SC2086
	sg_t=$(($(ticks $sg_pids) - sg_t0))
	sg_m=$(bench_msgs "$sg_out")
	echo "$sg_m $sg_t $(echo "$sg_out" |
	    sed 's/.*"msgs_per_s":\([0-9.]*\).*/\1/')"
}

# interleave BENCH-ARGS: the -i mode.
interleave()
{
	il_n=$(echo "$configs" | tr ' ' '\n' | grep -m 1 '^[0-9][0-9]*$' ||
	    echo 2)
	start_sqlite
	il_surl=$url il_spids=$natterdpids
	start_cluster "$il_n"
	il_curl=$url il_cpids=$natterdpids
	il_us=$(awk -v t="$tck" 'BEGIN { print 1e6 / t }')
	: >"$work/segments"
	k=1
	while [ "$k" -le "$segments" ]; do
		il_s=$(segment sqlite "$il_surl" "$il_spids" "$@") || exit 1
		il_c=$(segment "$il_n" "$il_curl" "$il_cpids" "$@") || exit 1
		echo "$il_s $il_c" >>"$work/segments"
		echo "$k $il_s $il_c" | awk -v us="$il_us" -v n="$il_n" '{
		    s = $3 * us / $2; c = $6 * us / $5
		    r = s > 0 ? c / s : 0
		    printf "{\"segment\":%d,\"sqlite\":{\"msgs_per_s\":%s," \
		    "\"natterd_cpu_us_per_msg\":%.2f},\"%s\":{\"msgs_per_s\":" \
		    "%s,\"natterd_cpu_us_per_msg\":%.2f},\"ratio\":%.3f}\n",
		    $1, $4, s, n, $7, c, r }'
		k=$((k + 1))
	done
	awk -v us="$il_us" -v n="$il_n" '{ sm += $1; st += $2; cm += $4
	    ct += $5 } END { s = st * us / sm; c = ct * us / cm
	    r = s > 0 ? c / s : 0
	    printf "{\"segments\":%d,\"sqlite\":{\"msgs\":%d," \
	    "\"natterd_cpu_us_per_msg\":%.2f},\"%s\":{\"msgs\":%d," \
	    "\"natterd_cpu_us_per_msg\":%.2f},\"ratio\":%.3f}\n",
	    NR, sm, s, n, cm, c, r }' "$work/segments"
}

if [ "$segments" -gt 0 ]; then
	interleave "$@"
	exit 0
fi

run=1
while [ $run -le "$runs" ]; do
	for c in $configs; do
		if [ "$c" = sqlite ]; then
			start_sqlite
		else
			start_cluster "${c%local}"
			psqlc "SELECT pg_stat_statements_reset()" >/dev/null
			redis-cli -h "${redisaddr%:*}" -p "${redisaddr#*:}" \
			    config resetstat >/dev/null
		fi
		load=$(cut -d' ' -f1 /proc/loadavg)
		sample before
		case $c in
		*local) out=$(bench_local "$@") ;;
		*) out=$("$bench" --server "$url" --mode relay --json "$@") ||
		    keep_logs "$c" "$run" "$out" ;;
		esac
		# PostgreSQL's statistics reach pg_stat_database within a
		# second of a transaction's end.
		[ "$c" = sqlite ] || sleep 1.5
		sample after
		if [ "$c" != sqlite ]; then
			stmts=$(psqlc "SELECT coalesce(sum(calls), 0) FROM
			    pg_stat_statements s JOIN pg_database d ON
			    d.oid = s.dbid WHERE d.datname = 'natter'")
			stmts_notx=$(psqlc "SELECT coalesce(sum(calls), 0) FROM
			    pg_stat_statements s JOIN pg_database d ON
			    d.oid = s.dbid WHERE d.datname = 'natter' AND
			    upper(s.query) NOT IN ('BEGIN', 'COMMIT', 'ROLLBACK')")
			if [ $verbose = 1 ]; then
				psqlc "SELECT calls, left(regexp_replace(query,
				    '\\s+', ' ', 'g'), 110) FROM pg_stat_statements
				    ORDER BY calls DESC LIMIT 14" | sed "s/^/# $c: /" >&2
				redis-cli -h "${redisaddr%:*}" -p "${redisaddr#*:}" \
				    info commandstats | tr -d '\r' |
				    grep '^cmdstat' | sed "s/^/# $c: /" >&2
			fi
		fi
		report "$c" "$run" "$load" "$out"
		if [ "$c" = sqlite ]; then stop_sqlite; else stop_cluster; fi
	done
	run=$((run + 1))
done
