# server_cli: natterd's command-line contract: --help matches the man page's
# SYNOPSIS, --version, usage errors exit 2, runtime failures exit 1 with one
# clear line, SIGTERM exits 0.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_cli

out=$("$NATTERD_BIN" --help) || fail "--help exit $?"
help=$(printf '%s\n' "$out" | tr -s ' \t\n' '   ' | sed 's/^usage: //; s/ $//')
syn=$(mandoc -Tascii "$E2E_TOP/man/natterd.8" | col -b |
    awk '/^SYNOPSIS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' |
    tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//')
assert_eq "$help" "$syn" "--help vs natterd(8) SYNOPSIS"

out=$("$NATTERD_BIN" --version) || fail "--version exit $?"
assert_contains "$out" "natterd " "--version output"

for bad in "--bogus" "--max-frame 12x" "--max-frame 10" "--message-ttl 0s" \
    "--message-ttl soon" "--sync sometimes" "--log-level loud" \
    "--listen nocolon" "--listen 127.0.0.1:99999" "--tls-cert /x" \
    "--tls-key /x" "extra-arg" "--data"; do
	# shellcheck disable=SC2086
	"$NATTERD_BIN" $bad --data "$DATA" >"$ROOT/out" 2>"$ROOT/err"
	rc=$?
	assert_eq "$rc" 2 "natterd $bad: exit status"
	grep -q '^usage: natterd' "$ROOT/err" || fail "natterd $bad: no usage"
	[ -s "$ROOT/out" ] && fail "natterd $bad wrote to stdout"
done

start_server
# The port is taken now: exit 1, one line saying why.
"$NATTERD_BIN" --listen "127.0.0.1:$PORT" --data "$ROOT/other" \
    >"$ROOT/out" 2>"$ROOT/err"
assert_eq "$?" 1 "second natterd on a taken port: exit status"
assert_eq "$(wc -l <"$ROOT/err" | tr -d ' ')" 1 "taken port: stderr lines"
assert_contains "$(cat "$ROOT/err")" \
    "natterd: cannot listen on 127.0.0.1:$PORT: Address already in use" \
    "taken port: message"

# A data directory that cannot be created: exit 1.
: >"$ROOT/file"
"$NATTERD_BIN" --listen 127.0.0.1:1 --data "$ROOT/file/sub" \
    >"$ROOT/out" 2>"$ROOT/err"
assert_eq "$?" 1 "uncreatable data dir: exit status"
assert_contains "$(cat "$ROOT/err")" "cannot create data directory" \
    "uncreatable data dir: message"

# Default data dir under XDG_DATA_HOME is created.
XDG_DATA_HOME=$ROOT/xdg "$NATTERD_BIN" --listen "127.0.0.1:$PORT" \
    >/dev/null 2>&1
[ -d "$ROOT/xdg/natterd" ] || fail "XDG_DATA_HOME/natterd not created"

# SIGTERM with a client connected: exit 0, and the data survives.
roundtrip cli1
stop_server
assert_eq "$?" 0 "natterd exit status on SIGTERM"
restart_server
out=$(probe auth rt-cli1-a ping) || fail "auth after restart"
assert_eq "$out" "auth OK
ping OK" "auth after restart"
pass
