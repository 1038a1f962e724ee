# server_assets_ttl: a blob lives --message-ttl from its last upload: past
# that it is 404 at once, before the purge; the purge then deletes its file
# and row and natter_asset_bytes drops to 0. A dedup upload extends the
# expiry; a partial untouched for 24 hours is purged, a fresh one kept.
. "$(dirname "$0")/../tools/assets-e2e.sh"
sv_init server_assets_ttl
# TTL 6 s: the purge runs every 3 s.
start_server --message-ttl 6s
command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"

tok=$(asset_token alice)
make_blob "$ROOT/a" 100000
id=$(blob_id "$ROOT/a")
t0=$(now_ms)
code=$(upload "$ROOT/a" "$tok")
assert_eq "$code" 201 "upload"
# A dedup upload 2.5 s later moves the expiry from t0 + 6 s to t0 + 8.5 s:
# at t0 + 6.5 s the blob is still served.
after()
{
	[ "$(now_ms)" -gt "$1" ]
}
wait_for 10 after $((t0 + 2500))
code=$(upload "$ROOT/a" "$tok")
assert_eq "$code" 200 "dedup upload"
wait_for 10 after $((t0 + 6500))
code=$(get_status "$HTTP/v1/assets/$id")
assert_eq "$code" 200 "served past its first expiry (dedup extended it)"
stop_server || fail "natterd exit status $? on SIGTERM"
e2=$(sqlite3 "$DATA/natterd.db" "SELECT expires FROM assets WHERE id = '$id'")
[ "$e2" -gt $((t0 + 8000)) ] || fail "dedup did not extend the expiry ($e2)"

# With natterd stopped, let the blob expire; restarted, it answers 404 at
# once, while the file is still there (the purge is 3 s away).
old=$ROOT/server/assets/partial/alice.1.$(printf old | sha256sum | cut -c1-64)
new=$ROOT/server/assets/partial/alice.1.$(printf new | sha256sum | cut -c1-64)
printf 'stale' >"$old"
touch -d '25 hours ago' "$old"
printf 'fresh' >"$new"
wait_for 10 after "$e2" || fail "the clock did not pass the expiry"
restart_server
code=$(get_status "$HTTP/v1/assets/$id")
assert_eq "$code" 404 "an expired blob"
code=$(get_status "$HTTP/v1/assets/$id" -I)
assert_eq "$code" 404 "an expired blob, HEAD"
[ -f "$DATA/assets/blobs/$(printf '%s' "$id" | cut -c1-2)/$id" ] ||
    fail "the purge ran before the expired GET: cannot tell"

purged()
{
	[ "$(blobs)" = 0 ] && [ "$(metric natter_asset_bytes)" = 0 ] &&
	    [ ! -f "$old" ]
}
wait_for 20 purged || fail "the purge left the blob, bytes or stale partial"
[ -f "$new" ] || fail "the purge took a fresh partial"
stop_server || fail "natterd exit status $? on SIGTERM"
assert_eq "$(sqlite3 "$DATA/natterd.db" "SELECT count(*) FROM assets")" 0 \
    "rows after the purge"
restart_server
assert_eq "$(metric natter_asset_bytes)" 0 "bytes after a restart"

# The same id can be stored again.
code=$(upload "$ROOT/a" "$tok")
assert_eq "$code" 201 "upload again after expiry"
assert_eq "$(metric natter_asset_bytes)" 100000 "bytes again"
pass
