# server_assets: natterd's asset service over HTTP, driven by curl: upload
# (201), dedup (200), download whole and in ranges, the cache headers, and
# every refusal (400 401 403 404 405 409 411 413 416 429, 304), after each
# of which the server still takes a valid upload.
. "$(dirname "$0")/../tools/assets-e2e.sh"
sv_init server_assets
# --max-asset small enough to test 413 with a small file.
start_server --max-asset 1000000

tok=$(asset_token alice)
make_blob "$ROOT/a" 300000
id=$(blob_id "$ROOT/a")

# Upload, then the same again: stored once.
code=$(upload "$ROOT/a" "$tok")
assert_eq "$code" 201 "first upload"
assert_eq "$(cat "$ROOT/up.body")" "{\"id\":\"$id\",\"size\":300000}" \
    "201 body"
assert_contains "$(header content-type "$ROOT/up.head")" application/json \
    "201 content type"
code=$(upload "$ROOT/a" "$tok")
assert_eq "$code" 200 "second upload (dedup)"
assert_eq "$(cat "$ROOT/up.body")" "{\"id\":\"$id\",\"size\":300000}" \
    "200 body"
assert_eq "$(metric natter_assets_stored_total)" 1 "stored once"
assert_eq "$(metric natter_asset_dedup_hits_total)" 1 "one dedup hit"
assert_eq "$(metric natter_asset_bytes)" 300000 "bytes gauge"
assert_eq "$(blobs)" 1 "one blob file"
assert_eq "$(partials)" 0 "no partial left"

# Download: the same bytes, and the headers a cache needs.
code=$(get_status "$HTTP/v1/assets/$id")
assert_eq "$code" 200 "GET"
assert_eq "$(blob_id "$ROOT/get.body")" "$id" "GET body"
code=$(get_status "$HTTP/v1/assets/$id" -I)
assert_eq "$code" 200 "HEAD"
assert_eq "$(header etag "$ROOT/get.head")" "\"$id\"" "ETag"
assert_eq "$(header cache-control "$ROOT/get.head")" \
    "public, max-age=31536000, immutable" "Cache-Control"
assert_eq "$(header content-length "$ROOT/get.head")" 300000 "Content-Length"
assert_eq "$(header accept-ranges "$ROOT/get.head")" bytes "Accept-Ranges"
assert_eq "$(header content-type "$ROOT/get.head")" \
    application/octet-stream "Content-Type"

# Ranges: A-B, A-, -N; past the end 416; several answered whole.
check_range()
{
	code=$(get_status "$HTTP/v1/assets/$id" -H "Range: bytes=$1")
	assert_eq "$code" 206 "range $1"
	dd if="$ROOT/a" bs=1 skip="$2" count="$3" status=none >"$ROOT/want"
	cmp -s "$ROOT/get.body" "$ROOT/want" || fail "range $1: wrong bytes"
	assert_eq "$(header content-range "$ROOT/get.head")" \
	    "bytes $2-$(($2 + $3 - 1))/300000" "Content-Range of $1"
}
check_range 100-199 100 100
check_range 299990- 299990 10
check_range -7 299993 7
check_range 299999-400000 299999 1
code=$(get_status "$HTTP/v1/assets/$id" -H "Range: bytes=300000-")
assert_eq "$code" 416 "range past the end"
assert_eq "$(header content-range "$ROOT/get.head")" "bytes */300000" \
    "416 Content-Range"
code=$(get_status "$HTTP/v1/assets/$id" -H "Range: bytes=0-1,5-9")
assert_eq "$code" 200 "several ranges: the whole blob"
assert_eq "$(blob_id "$ROOT/get.body")" "$id" "several ranges: body"

# Conditional GET.
code=$(get_status "$HTTP/v1/assets/$id" -H "If-None-Match: \"$id\"")
assert_eq "$code" 304 "If-None-Match"
code=$(get_status "$HTTP/v1/assets/$id" -H "If-None-Match: \"x\", W/\"$id\"")
assert_eq "$code" 304 "If-None-Match list"
code=$(get_status "$HTTP/v1/assets/$id" -H "If-None-Match: *")
assert_eq "$code" 304 "If-None-Match *"
code=$(get_status "$HTTP/v1/assets/$id" -H "If-None-Match: \"other\"")
assert_eq "$code" 200 "If-None-Match other"

# Malformed and unknown ids.
upper=$(printf '%s' "$id" | tr a-f A-F)
for bad in "$upper" "$(printf '%s' "$id" | cut -c1-63)" \
    "$(printf '%s' "$id" | cut -c1-63)g" "${id}0" "x" "$id/x"; do
	code=$(get_status "$HTTP/v1/assets/$bad")
	assert_eq "$code" 400 "malformed id $bad"
done
code=$(get_status "$HTTP/v1/assets/")
assert_eq "$code" 400 "empty id"
unknown=$(printf 'unknown' | sha256sum | cut -c1-64)
code=$(get_status "$HTTP/v1/assets/$unknown")
assert_eq "$code" 404 "unknown blob"
code=$(get_status "$HTTP/v1/assets/$unknown" -I)
assert_eq "$code" 404 "unknown blob, HEAD"

# Keep-alive survives an error answer: the second request reuses the
# connection of the first (a 404).
curl -sv -m 10 -o /dev/null -o /dev/null "$HTTP/v1/assets/$unknown" \
    "$HTTP/v1/assets/$id" 2>"$ROOT/keepalive" || fail "keep-alive curl"
grep -q "Re-using existing connection" "$ROOT/keepalive" ||
    fail "the connection was not reused after a 404"
upload_ok "after GET errors"

# Methods: 405 with Allow.
code=$(get_status "$HTTP/v1/assets" -X PUT --data x)
assert_eq "$code" 405 "PUT /v1/assets"
code=$(get_status "$HTTP/v1/assets/$id" -X DELETE)
assert_eq "$code" 405 "DELETE a blob"
assert_eq "$(header allow "$ROOT/get.head")" "GET, HEAD" "Allow"
code=$(get_status "$HTTP/v1/assets")
assert_eq "$code" 405 "GET /v1/assets"
upload_ok "after 405"

# Authentication: none 401, another scheme 401, bad 403, forged 403,
# expired 403.
make_blob "$ROOT/b" 5000
bid=$(blob_id "$ROOT/b")
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -T "$ROOT/b" \
    -H "Asset-Sha256: $bid" "$HTTP/v1/assets")
assert_eq "$code" 401 "no token"
code=$(upload "$ROOT/b" x -H "Authorization: Basic YTpi")
assert_eq "$code" 401 "Basic auth"
code=$(upload "$ROOT/b" "garbage")
assert_eq "$code" 403 "garbage token"
last=$(printf '%s' "$tok" | tail -c 1)
flip=0
[ "$last" = 0 ] && flip=1
forged=$(printf '%s' "$tok" | sed "s/.\$/$flip/")
code=$(upload "$ROOT/b" "$forged")
assert_eq "$code" 403 "forged token (a MAC digit flipped)"
other=$(printf '%s' "$tok" | sed 's/^alice\.1\./alice.2./')
code=$(upload "$ROOT/b" "$other")
assert_eq "$code" 403 "token moved to another device"
# forge NAME DEVICE EXPIRES_S: a genuine token, made with the server's key
# by natter-protocol(7)'s recipe.
forge()
{
	python3 - "$DATA/assets/token.key" "$1.$2.$3" <<'PYEOF'
import hashlib, hmac, sys
key = open(sys.argv[1], "rb").read()
body = sys.argv[2]
mac = hmac.new(key, b"natter v1 asset token\0" + body.encode(),
    hashlib.sha256).hexdigest()
print(body + "." + mac)
PYEOF
}
expired=$(forge alice 1 $(($(date +%s) - 10)))
code=$(upload "$ROOT/b" "$expired")
assert_eq "$code" 403 "expired token"
assert_contains "$(cat "$ROOT/up.body")" expired "expired token: why"
# ... and the same recipe with a future expiry works.
fresh=$(forge alice 1 $(($(date +%s) + 600)))
code=$(upload "$ROOT/b" "$fresh")
assert_eq "$code" 201 "a token made by the documented recipe"
assert_eq "$(partials)" 0 "no partial after refusals"
upload_ok "after auth errors"

# Headers: Asset-Sha256 missing or malformed 400; no length 411.
make_blob "$ROOT/c" 7000
cid=$(blob_id "$ROOT/c")
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -T "$ROOT/c" \
    -H "Authorization: Bearer $tok" "$HTTP/v1/assets")
assert_eq "$code" 400 "no Asset-Sha256"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -T "$ROOT/c" \
    -H "Authorization: Bearer $tok" -H "Asset-Sha256: $upper" \
    "$HTTP/v1/assets")
assert_eq "$code" 400 "uppercase Asset-Sha256"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$ROOT/c" \
    -H "Transfer-Encoding: chunked" -H "Authorization: Bearer $tok" \
    -H "Asset-Sha256: $cid" "$HTTP/v1/assets")
assert_eq "$code" 411 "chunked upload"
code=$(raw_http "POST /v1/assets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $tok\r\nAsset-Sha256: $cid\r\n\r\nabc")
assert_eq "$code" 411 "no Content-Length"
code=$(upload "$ROOT/c" "$tok" -H "Upload-Offset: -1")
assert_eq "$code" 400 "negative Upload-Offset"
code=$(upload "$ROOT/c" "$tok" -H "Upload-Offset: 99999999999999999999999")
assert_eq "$code" 400 "Upload-Offset overflow"
upload_ok "after header errors"

# 413 before the body is read: over --max-asset, or offset + length.
make_blob "$ROOT/big" 1000001
code=$(upload "$ROOT/big" "$tok")
assert_eq "$code" 413 "over --max-asset"
code=$(upload "$ROOT/c" "$tok" -H "Upload-Offset: 999999")
assert_eq "$code" 413 "offset + length over --max-asset"
assert_eq "$(partials)" 0 "no partial after 413"
upload_ok "after 413"

# 409: a body that does not match its id leaves nothing behind.
code=$(curl -s -o "$ROOT/up.body" -w '%{http_code}' -X POST -T "$ROOT/c" \
    -H "Authorization: Bearer $tok" -H "Asset-Sha256: $unknown" \
    "$HTTP/v1/assets")
assert_eq "$code" 409 "hash mismatch"
assert_contains "$(cat "$ROOT/up.body")" "does not match its Asset-Sha256" \
    "hash mismatch: why"
assert_eq "$(partials)" 0 "no partial after a mismatch"
code=$(get_status "$HTTP/v1/assets/$unknown")
assert_eq "$code" 404 "the mismatched id is not stored"
# 409: an Upload-Offset that is not the partial's length.
code=$(upload "$ROOT/c" "$tok" -H "Upload-Offset: 5")
assert_eq "$code" 409 "Upload-Offset with no partial"
assert_eq "$(header upload-offset "$ROOT/up.head")" 0 "409 says the offset"
assert_eq "$(partials)" 0 "409 changed nothing"
upload_ok "after 409"

# 429: a fifth concurrent upload from one device. Four slow uploads
# hold their slots until killed.
i=1
while [ $i -le 4 ]; do
	make_blob "$ROOT/slow$i" 200000
	setsid curl -s -o /dev/null --limit-rate 2k -X POST -T "$ROOT/slow$i" \
	    -H "Authorization: Bearer $tok" \
	    -H "Asset-Sha256: $(blob_id "$ROOT/slow$i")" "$HTTP/v1/assets" &
	bg_track $!
	eval "slow_pid$i=\$!"
	i=$((i + 1))
done
uploads_are()
{
	[ "$(metric natter_asset_uploads_active)" = "$1" ]
}
wait_for 20 uploads_are 4 || fail "four uploads never ran at once"
make_blob "$ROOT/fifth" 3000
code=$(upload "$ROOT/fifth" "$tok")
assert_eq "$code" 429 "a fifth concurrent upload"
upload_ok "another device during four uploads"
i=1
while [ $i -le 4 ]; do
	eval "bg_stop \$slow_pid$i"
	i=$((i + 1))
done
wait_for 20 uploads_are 0 || fail "the dropped uploads still count"
assert_eq "$(partials)" 4 "dropped uploads keep their partials"
code=$(upload "$ROOT/fifth" "$tok")
assert_eq "$code" 201 "the fifth once the others are gone"

# 403 once the token's device is gone (its row deleted by hand).
dtok=$(asset_token dora)
server_query "DELETE FROM devices WHERE account = (SELECT id FROM accounts
    WHERE name = 'dora')"
code=$(upload "$ROOT/b" "$dtok")
assert_eq "$code" 403 "a removed device's token"
# natterd restarted (server_query): the key and the blobs stay.
code=$(get_status "$HTTP/v1/assets/$id")
assert_eq "$code" 200 "GET after a restart"
assert_eq "$(metric natter_asset_bytes)" \
    "$(find "$DATA/assets/blobs" -type f -exec cat {} + | wc -c | tr -d ' ')" \
    "bytes gauge after a restart"
make_blob "$ROOT/d" 999
code=$(upload "$ROOT/d" "$tok")
assert_eq "$code" 201 "a token from before the restart"
kill -0 "$SERVER_PID" || fail "natterd died"
still_serving assets
pass
