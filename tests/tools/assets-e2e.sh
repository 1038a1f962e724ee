# assets-e2e.sh: sourced by tests/e2e/server_assets*.sh: the harness of
# server-e2e.sh plus helpers for natterd's asset service over curl.
#
#   asset_token USER        register USER (once) with natter-probe and print
#                           an upload token for its device 1
#   make_blob FILE BYTES    BYTES random bytes; prints nothing
#   blob_id FILE            the file's SHA-256 (its blob id)
#   upload FILE TOKEN [CURL-ARGS...]  POST FILE as its own id; prints the
#                           status; the answer body in $ROOT/up.body, its
#                           headers in $ROOT/up.head
#   get_status URL [CURL-ARGS...]  GET (or whatever CURL-ARGS say); prints
#                           the status, body in $ROOT/get.body, headers in
#                           $ROOT/get.head
#   header NAME FILE        the value of header NAME in a header dump
#   raw_http REQUEST        send REQUEST (printf format) on a fresh TCP
#                           connection; prints the answer's status code
#   upload_ok TAG           /healthz answers and a fresh upload gets 201
#   partials / blobs        number of files in DATA/assets/partial, blobs

E2E_TOP=${NATTER_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$E2E_TOP/tests/tools/server-e2e.sh"

asset_token()
{
	if [ ! -f "$ROOT/keys/$1.registered" ]; then
		probe register "$1" >/dev/null || fail "register $1"
		: >"$ROOT/keys/$1.registered"
	fi
	at_out=$(probe auth "$1" token) || fail "token for $1"
	case $at_out in
	*"token OK "*) ;;
	*) fail "token for $1: $at_out" ;;
	esac
	printf '%s\n' "$at_out" | awk '$1 == "token" { print $3 }'
}

make_blob()
{
	head -c "$2" /dev/urandom >"$1"
}

blob_id()
{
	sha256sum "$1" | cut -c1-64
}

upload()
{
	up_file=$1
	up_tok=$2
	shift 2
	curl -s -m 60 -o "$ROOT/up.body" -D "$ROOT/up.head" -w '%{http_code}' \
	    -X POST -T "$up_file" -H "Authorization: Bearer $up_tok" \
	    -H "Asset-Sha256: $(blob_id "$up_file")" "$@" "$HTTP/v1/assets"
}

get_status()
{
	gs_url=$1
	shift
	curl -s -m 60 -o "$ROOT/get.body" -D "$ROOT/get.head" \
	    -w '%{http_code}' "$@" "$gs_url"
}

header()
{
	awk -v n="$1" 'BEGIN { n = tolower(n) ":" }
	    tolower($1) == n { sub(/^[^:]*: */, ""); sub(/\r$/, ""); print }' "$2"
}

raw_http()
{
	python3 - "$PORT" "$1" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
data = b""
try:
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    pass
line = data.split(b"\r\n", 1)[0].decode("latin-1")
print(line.split(" ")[1] if line.startswith("HTTP/") else "none")
PYEOF
}

upload_ok()
{
	healthy || fail "$1: /healthz no longer answers"
	make_blob "$ROOT/ok.blob" 4321
	[ -n "${OK_TOKEN:-}" ] || OK_TOKEN=$(asset_token okuser)
	uo_code=$(upload "$ROOT/ok.blob" "$OK_TOKEN")
	assert_eq "$uo_code" 201 "$1: a valid upload afterwards"
}

partials()
{
	find "$DATA/assets/partial" -type f | wc -l | tr -d ' '
}

blobs()
{
	find "$DATA/assets/blobs" -type f | wc -l | tr -d ' '
}
