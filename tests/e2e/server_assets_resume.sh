# server_assets_resume: an upload cut off keeps its partial; HEAD
# /v1/uploads/ID says how much is in, and an upload with Upload-Offset
# finishes it. Also across a kill -9 of natterd: nothing partial becomes
# visible, and the bytes kept are resumed.
. "$(dirname "$0")/../tools/assets-e2e.sh"
sv_init server_assets_resume
start_server

tok=$(asset_token alice)

# offset ID: what HEAD /v1/uploads/ID says.
offset()
{
	curl -s -m 10 -o /dev/null -D "$ROOT/head" -I \
	    -H "Authorization: Bearer $tok" "$HTTP/v1/uploads/$1" ||
	    fail "HEAD /v1/uploads/$1"
	header upload-offset "$ROOT/head"
}

offset_positive()
{
	[ "$(offset "$1")" -gt 0 ] 2>/dev/null
}

uploads_are()
{
	[ "$(metric natter_asset_uploads_active)" = "$1" ]
}

# resume FILE N: send FILE's bytes from N on with Upload-Offset: N.
resume()
{
	tail -c +"$(($2 + 1))" "$1" >"$ROOT/rest"
	curl -s -m 60 -o "$ROOT/up.body" -w '%{http_code}' -X POST \
	    -T "$ROOT/rest" -H "Authorization: Bearer $tok" \
	    -H "Asset-Sha256: $(blob_id "$1")" -H "Upload-Offset: $2" \
	    "$HTTP/v1/assets"
}

# A slow upload of FILE in the background (BG_PID).
slow_upload()
{
	setsid curl -s -o /dev/null --limit-rate 50k -X POST -T "$1" \
	    -H "Authorization: Bearer $tok" -H "Asset-Sha256: $(blob_id "$1")" \
	    "$HTTP/v1/assets" &
	BG_PID=$!
	bg_track "$BG_PID"
}

make_blob "$ROOT/a" 2000000
id=$(blob_id "$ROOT/a")
assert_eq "$(offset "$id")" 0 "no partial yet"

# Cut the connection once some of the body is in.
slow_upload "$ROOT/a"
wait_for 20 offset_positive "$id" || fail "the slow upload never started"
bg_stop "$BG_PID"
wait_for 20 uploads_are 0 || fail "natterd did not see the upload drop"
n=$(offset "$id")
[ "$n" -gt 0 ] && [ "$n" -lt 2000000 ] || fail "offset after a drop: $n"
code=$(get_status "$HTTP/v1/assets/$id")
assert_eq "$code" 404 "a partial is not served"
assert_eq "$(partials)" 1 "the partial is kept"

# Resuming at a wrong offset changes nothing; at the right one finishes.
code=$(resume "$ROOT/a" $((n - 1)))
assert_eq "$code" 409 "resume at the wrong offset"
assert_eq "$(offset "$id")" "$n" "the partial is unchanged"
code=$(resume "$ROOT/a" "$n")
assert_eq "$code" 201 "resume"
assert_eq "$(cat "$ROOT/up.body")" "{\"id\":\"$id\",\"size\":2000000}" \
    "resume: answer"
code=$(get_status "$HTTP/v1/assets/$id")
assert_eq "$code" 200 "GET after resume"
assert_eq "$(blob_id "$ROOT/get.body")" "$id" "GET after resume: bytes"
assert_eq "$(partials)" 0 "no partial once complete"
assert_eq "$(offset "$id")" 0 "no partial to resume"

# A resumed upload whose bytes do not add up is refused and dropped.
make_blob "$ROOT/m" 300000
mid=$(blob_id "$ROOT/m")
slow_upload "$ROOT/m"
wait_for 20 offset_positive "$mid" || fail "the upload of m never started"
bg_stop "$BG_PID"
wait_for 20 uploads_are 0 || fail "natterd did not see m's upload drop"
n=$(offset "$mid")
make_blob "$ROOT/junk" 300000
tail -c +"$((n + 1))" "$ROOT/junk" >"$ROOT/rest"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -T "$ROOT/rest" \
    -H "Authorization: Bearer $tok" -H "Asset-Sha256: $mid" \
    -H "Upload-Offset: $n" "$HTTP/v1/assets")
assert_eq "$code" 409 "a resumed upload with the wrong bytes"
assert_eq "$(partials)" 0 "the mismatched partial is deleted"

# kill -9 of natterd in the middle of an upload.
make_blob "$ROOT/k" 3000000
kid=$(blob_id "$ROOT/k")
slow_upload "$ROOT/k"
wait_for 20 offset_positive "$kid" || fail "the upload of k never started"
kill9_server
bg_stop "$BG_PID"
restart_server
code=$(get_status "$HTTP/v1/assets/$kid")
assert_eq "$code" 404 "nothing partial is visible after kill -9"
n=$(offset "$kid")
[ "$n" -gt 0 ] && [ "$n" -lt 3000000 ] ||
    fail "offset after kill -9: $n"
code=$(resume "$ROOT/k" "$n")
assert_eq "$code" 201 "resume after kill -9"
code=$(get_status "$HTTP/v1/assets/$kid")
assert_eq "$code" 200 "GET after resume after kill -9"
assert_eq "$(blob_id "$ROOT/get.body")" "$kid" "bytes after kill -9"
assert_eq "$(metric natter_asset_bytes)" 5000000 "bytes gauge"
pass
