# server_assets_shared: two natterd processes (nodes) on their own data
# dirs share one --assets dir, as scripts/cluster runs them. Started at
# the same moment, they end up with one token key (a token from node 1
# is good on node 2); the same device uploading the same blob through
# both at once gets 409 from the second (the partial is locked), and an
# upload cut off on node 1 resumes on node 2; a blob uploaded through
# node 1 is served by node 2.
#
# Until the nodes share a store (--store), a node serves a blob only
# with a row in its own SQLite: node 2 learns node 1's blob when it
# starts and adopts the files it finds (assets_start), so the test
# restarts it first. With a shared store that restart can go.
. "$(dirname "$0")/../tools/assets-e2e.sh"
sv_init server_assets_shared

SHARED=$ROOT/shared/assets	# two levels missing: natterd makes both
NODE2_LOG=$ROOT/natterd2.log
NODE2_PID=""

# node2_start: natterd on a fresh port, its own data dir, the shared
# assets; does not wait for it (node2_wait).
node2_start()
{
	PORT2=$(free_port)
	HTTP2=http://127.0.0.1:$PORT2
	"$NATTERD_BIN" --listen "127.0.0.1:$PORT2" --data "$ROOT/server2" \
	    --assets "$SHARED" </dev/null >>"$NODE2_LOG" 2>&1 &
	NODE2_PID=$!
	bg_track "$NODE2_PID"
}

node2_healthy()
{
	curl -fsS -m 2 "$HTTP2/healthz" >/dev/null 2>&1
}

node2_wait()
{
	wait_for 15 node2_healthy || {
		cat "$NODE2_LOG" >&2
		fail "node 2 did not come up"
	}
}

node2_stop()
{
	kill -TERM "$NODE2_PID"
	wait "$NODE2_PID" || fail "node 2 exited with status $?"
}

# on2 CMD...: CMD with $HTTP pointing at node 2.
on2()
{
	o2_http=$HTTP
	HTTP=$HTTP2
	"$@"
	o2_rc=$?
	HTTP=$o2_http
	return $o2_rc
}

# offset_at URL ID TOKEN: what HEAD URL/v1/uploads/ID says.
offset_at()
{
	curl -s -m 10 -o /dev/null -D "$ROOT/head" -I \
	    -H "Authorization: Bearer $3" "$1/v1/uploads/$2" ||
	    fail "HEAD /v1/uploads/$2"
	header upload-offset "$ROOT/head"
}

offset1_positive()
{
	[ "$(offset_at "$HTTP" "$1" "$tok")" -gt 0 ] 2>/dev/null
}

uploads_are()
{
	[ "$(metric natter_asset_uploads_active)" = "$1" ]
}

# Both at once: they race to make the token key.
node2_start
start_server --assets "$SHARED"
node2_wait
[ -d "$SHARED/blobs" ] && [ -d "$SHARED/partial" ] ||
    fail "natterd did not make the --assets dir"
[ ! -d "$DATA/assets" ] && [ ! -d "$ROOT/server2/assets" ] ||
    fail "a node made DATA/assets despite --assets"
assert_eq "$(find "$SHARED" -maxdepth 1 -type f | wc -l | tr -d ' ')" 1 \
    "token.key and no temporary key file"

# alice's device 1 on both nodes (separate databases for now).
tok=$(asset_token alice)
mkdir "$ROOT/keys2"
timeout -k 5 60 "$NATTER_PROBE_BIN" -k "$ROOT/keys2" "127.0.0.1:$PORT2" \
    register alice >/dev/null 2>>"$ROOT/probe.err" ||
    fail "register alice on node 2"

# A token node 1 made is good on node 2: one key.
make_blob "$ROOT/b" 5000
code=$(on2 upload "$ROOT/b" "$tok")
assert_eq "$code" 201 "node 1's token on node 2 ($(cat "$ROOT/up.body"))"

# An upload through node 1.
make_blob "$ROOT/a" 300000
id=$(blob_id "$ROOT/a")
code=$(upload "$ROOT/a" "$tok")
assert_eq "$code" 201 "upload through node 1"
[ -f "$SHARED/blobs/$(printf '%s' "$id" | cut -c1-2)/$id" ] ||
    fail "the blob is not in the shared dir"

# The same device, the same blob, through node 1 (slowly) and node 2 at
# once: node 2 refuses while node 1 writes.
make_blob "$ROOT/c" 2000000
cid=$(blob_id "$ROOT/c")
setsid curl -s -o /dev/null --limit-rate 50k -X POST -T "$ROOT/c" \
    -H "Authorization: Bearer $tok" -H "Asset-Sha256: $cid" \
    "$HTTP/v1/assets" &
slow=$!
bg_track "$slow"
wait_for 20 offset1_positive "$cid" || fail "the slow upload never started"
code=$(on2 upload "$ROOT/c" "$tok")
assert_eq "$code" 409 "the same upload through node 2 meanwhile"
assert_contains "$(cat "$ROOT/up.body")" "uploading this blob already" \
    "409 body"
# ... saying how much is in, so that a client may try again from there.
curl -s -D "$ROOT/h409" -o /dev/null -X POST -T "$ROOT/c" \
    -H "Authorization: Bearer $tok" -H "Asset-Sha256: $cid" \
    "$HTTP2/v1/assets"
grep -qi '^upload-offset: [0-9][0-9]*' "$ROOT/h409" ||
    fail "the busy 409 has no Upload-Offset: $(cat "$ROOT/h409")"
# Cut it off: node 2 resumes it from what node 1 wrote.
bg_stop "$slow"
wait_for 20 uploads_are 0 || fail "node 1 did not see the upload drop"
n=$(offset_at "$HTTP2" "$cid" "$tok")
[ "$n" -gt 0 ] && [ "$n" -lt 2000000 ] || fail "node 2's offset: $n"
tail -c +"$((n + 1))" "$ROOT/c" >"$ROOT/rest"
code=$(curl -s -m 60 -o "$ROOT/up.body" -w '%{http_code}' -X POST \
    -T "$ROOT/rest" -H "Authorization: Bearer $tok" \
    -H "Asset-Sha256: $cid" -H "Upload-Offset: $n" "$HTTP2/v1/assets")
assert_eq "$code" 201 "resumed through node 2 ($(cat "$ROOT/up.body"))"
code=$(get_status "$HTTP2/v1/assets/$cid")
assert_eq "$code" 200 "node 2 serves the resumed blob"
assert_eq "$(blob_id "$ROOT/get.body")" "$cid" "the resumed blob's bytes"
assert_eq "$(find "$SHARED/partial" -type f | wc -l | tr -d ' ')" 0 \
    "no partial left"

# Node 1's blob through node 2 (after the restart the header explains).
code=$(get_status "$HTTP2/v1/assets/$id")
log "node 2 before its restart: GET of node 1's blob is $code"
node2_stop
node2_start
node2_wait
code=$(get_status "$HTTP2/v1/assets/$id")
assert_eq "$code" 200 "node 2 serves node 1's blob"
assert_eq "$(blob_id "$ROOT/get.body")" "$id" "node 2's bytes"
kill -0 "$SERVER_PID" 2>/dev/null || fail "node 1 died"
node2_stop
pass
