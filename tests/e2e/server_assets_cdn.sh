# server_assets_cdn: Debian's nginx as a caching proxy in front of natterd
# (the configuration of docs/cdn.md): 100 GETs of one blob through it reach
# natterd once, all with the right bytes and cache headers; HEAD and a
# range are served from the cache too.
. "$(dirname "$0")/../tools/assets-e2e.sh"
sv_init server_assets_cdn
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || fail "nginx not installed (scripts/setup installs it)"
start_server

tok=$(asset_token alice)
make_blob "$ROOT/a" 1500000
id=$(blob_id "$ROOT/a")
code=$(upload "$ROOT/a" "$tok")
assert_eq "$code" 201 "upload"
assert_eq "$(metric natter_asset_gets_total)" 0 "no GET yet"

# nginx with everything under $ROOT/nginx, in the foreground, killed by the
# harness's cleanup.
N=$ROOT/nginx
mkdir -p "$N/cache" "$N/tmp"
NPORT=$(free_port)
user=""
[ "$(id -u)" = 0 ] && user="user root root;"
cat >"$N/nginx.conf" <<EOC
$user
daemon off;
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log warn;
events { worker_connections 256; }
http {
	log_format cdn '\$request_method \$uri \$status \$upstream_cache_status';
	access_log $N/access.log cdn;
	client_body_temp_path $N/tmp/body;
	proxy_temp_path $N/tmp/proxy;
	fastcgi_temp_path $N/tmp/fastcgi;
	uwsgi_temp_path $N/tmp/uwsgi;
	scgi_temp_path $N/tmp/scgi;
	proxy_cache_path $N/cache levels=1:2 keys_zone=assets:10m
	    max_size=10g inactive=30d use_temp_path=off;
	server {
		listen 127.0.0.1:$NPORT;
		location /v1/assets/ {
			proxy_pass http://127.0.0.1:$PORT;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_cache assets;
			proxy_cache_key \$uri;
			proxy_cache_lock on;
			proxy_cache_lock_timeout 60s;
			proxy_cache_valid 200 30d;
			proxy_cache_valid 404 10s;
			add_header X-Cache-Status \$upstream_cache_status always;
		}
	}
}
EOC
setsid "$NGINX" -p "$N" -e "$N/error.log" -c "$N/nginx.conf" \
    >"$N/stdout" 2>&1 &
NGINX_PID=$!
bg_track "$NGINX_PID"
CDN=http://127.0.0.1:$NPORT
cdn_up()
{
	curl -s -m 2 -o /dev/null "$CDN/v1/assets/x"
}
wait_for 15 cdn_up ||
    fail "nginx did not start: $(cat "$N/error.log" "$N/stdout" 2>/dev/null)"

# 100 GETs, ten at a time: one reaches natterd (the cache lock holds the
# others back while the first fills the cache).
seq 1 100 | xargs -P 10 -I{} curl -s -m 60 -o "$ROOT/cdn.{}" "$CDN/v1/assets/$id" ||
    fail "a GET through nginx failed"
i=1
while [ $i -le 100 ]; do
	[ "$(blob_id "$ROOT/cdn.$i")" = "$id" ] || fail "GET $i: wrong bytes"
	i=$((i + 1))
done
assert_eq "$(metric natter_asset_gets_total)" 1 "GETs that reached natterd"
assert_eq "$(grep -c "^GET /v1/assets/$id 200 MISS" "$N/access.log")" 1 \
    "one cache miss in nginx's log"

# The headers through the cache.
code=$(get_status "$CDN/v1/assets/$id")
assert_eq "$code" 200 "GET through nginx"
assert_eq "$(header x-cache-status "$ROOT/get.head")" HIT "a cache hit"
assert_eq "$(header etag "$ROOT/get.head")" "\"$id\"" "ETag through nginx"
assert_eq "$(header cache-control "$ROOT/get.head")" \
    "public, max-age=31536000, immutable" "Cache-Control through nginx"
assert_eq "$(header content-length "$ROOT/get.head")" 1500000 \
    "Content-Length through nginx"
code=$(get_status "$CDN/v1/assets/$id" -I)
assert_eq "$code" 200 "HEAD through nginx"
assert_eq "$(header content-length "$ROOT/get.head")" 1500000 \
    "HEAD Content-Length through nginx"
code=$(get_status "$CDN/v1/assets/$id" -H "Range: bytes=1000-1999")
assert_eq "$code" 206 "a range through nginx"
dd if="$ROOT/a" bs=1000 skip=1 count=1 status=none >"$ROOT/want"
cmp -s "$ROOT/get.body" "$ROOT/want" || fail "range through nginx: bytes"
assert_eq "$(header content-range "$ROOT/get.head")" "bytes 1000-1999/1500000" \
    "Content-Range through nginx"
code=$(get_status "$CDN/v1/assets/$id" -H "If-None-Match: \"$id\"")
assert_eq "$code" 304 "If-None-Match through nginx"
assert_eq "$(metric natter_asset_gets_total)" 1 \
    "HEAD, range and 304 came from the cache"

# Errors pass through: a malformed id 400, an unknown one 404.
code=$(get_status "$CDN/v1/assets/xyz")
assert_eq "$code" 400 "malformed id through nginx"
code=$(get_status "$CDN/v1/assets/$(printf none | sha256sum | cut -c1-64)")
assert_eq "$code" 404 "unknown id through nginx"
bg_stop "$NGINX_PID"
pass
