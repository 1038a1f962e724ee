#!/bin/sh
# client_files: send-file end to end. alice sends bob a text file with a
# caption; nothing readable of either lies in natterd's data dir or in a
# profile until bob saves it; bob's recv downloads and verifies it and
# save writes it back byte for byte; the same file to carol and bob's
# forward of it upload nothing (one blob on the server); a compressible
# file travels compressed; a file over the automatic size waits for save;
# a blob changed on the server is refused, never saved.
. "$(dirname "$0")/lib.sh"
e2e_init client_files
NAT_TIMEOUT=60

start_server
register alice bob carol

marker="natter-file-marker-$$-7d1e"
caption="natter-caption-marker-$$-9b2c"
{ echo "$marker"; seq 1 2000; } >"$ROOT/notes.txt"
want_sha=$(sha256sum "$ROOT/notes.txt" | cut -d' ' -f1)

nat alice --json send-file bob "$ROOT/notes.txt" --caption "$caption" \
    >"$ROOT/sent" 2>"$ROOT/sent.err" ||
    fail "send-file failed: $(cat "$ROOT/sent.err")"
assert_eq "$(jl "$ROOT/sent" 'L[0]["type"]+" "+L[0]["to"]')" "sent bob" \
    "send-file result"
assert_eq "$(jl "$ROOT/sent" 'L[0]["attachment"]["name"]')" notes.txt "name"
assert_eq "$(jl "$ROOT/sent" 'L[0]["attachment"]["sha256"]')" "$want_sha" \
    "sha256 of the file"
assert_eq "$(jl "$ROOT/sent" 'L[0]["attachment"]["size"]')" \
    "$(wc -c <"$ROOT/notes.txt")" "size"
assert_eq "$(jl "$ROOT/sent" 'L[0]["attachment"]["mime"]')" text/plain "mime"
blob=$(jl "$ROOT/sent" 'L[0]["attachment"]["blob"]')
id=$(jl "$ROOT/sent" 'L[0]["id"]')
assert_eq "$(metric natter_assets_stored_total)" 1 "blobs stored"
curl -fsS -o "$ROOT/blob" "$HTTP/v1/assets/$blob" || fail "GET the blob"
assert_eq "$(sha256sum "$ROOT/blob" | cut -d' ' -f1)" "$blob" \
    "the blob's id is its SHA-256"

# no_plaintext WHERE: neither marker in the server's data or any profile.
no_plaintext()
{
	if grep -rlaF -e "$marker" -e "$caption" "$DATA" "$ROOT/alice" \
	    "$ROOT/bob" "$ROOT/carol" 2>/dev/null; then
		fail "$1: a marker is readable at rest"
	fi
}
no_plaintext "after the upload"

nat bob --json recv >"$ROOT/recv" 2>"$ROOT/recv.err" ||
    fail "bob recv failed: $(cat "$ROOT/recv.err")"
assert_eq "$(jl "$ROOT/recv" '[m["text"] for m in L if m["type"]=="message"][0]')" \
    "$caption" "bob sees the caption"
assert_eq "$(jl "$ROOT/recv" '[m["attachment"]["state"] for m in L if m["type"]=="message"][0]')" \
    ready "bob has the file, verified"
assert_eq "$(jl "$ROOT/recv" '[m["attachment"]["blob"] for m in L if m["type"]=="message"][0]')" \
    "$blob" "the blob id"
[ -f "$ROOT/bob/files/$blob" ] || fail "bob's profile does not keep the blob"
cmp -s "$ROOT/bob/files/$blob" "$ROOT/blob" ||
    fail "bob keeps something else than the blob"
no_plaintext "after bob's recv"

mkdir "$ROOT/out"
nat bob --json save "$id" "$ROOT/out" >"$ROOT/saved" 2>"$ROOT/saved.err" ||
    fail "save failed: $(cat "$ROOT/saved.err")"
assert_eq "$(jl "$ROOT/saved" 'L[0]["type"]+" "+L[0]["path"]')" \
    "saved $ROOT/out/notes.txt" "save result"
assert_eq "$(jl "$ROOT/saved" 'L[0]["sha256"]')" "$want_sha" "saved sha256"
cmp -s "$ROOT/out/notes.txt" "$ROOT/notes.txt" || fail "saved file differs"
nat bob save "$id" "$ROOT/out" >/dev/null || fail "save again failed"
[ -f "$ROOT/out/notes (1).txt" ] || fail "a second save did not pick a new name"
nat bob --json history alice >"$ROOT/hist" || fail "history failed"
assert_eq "$(jl "$ROOT/hist" 'L[-1]["attachment"]["saved"]')" \
    "$ROOT/out/notes (1).txt" "history says where it was saved"

# bob's copy damaged in the profile (as a crash could leave it): save
# refuses it and it is fetched again.
python3 - "$ROOT/bob/files/$blob" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(100)
    b = f.read(1)
    f.seek(100)
    f.write(bytes([b[0] ^ 1]))
PY
nat bob save "$id" "$ROOT/out/again.txt" 2>"$ROOT/damaged.err" &&
    fail "save of a damaged copy succeeded"
grep -q "damaged" "$ROOT/damaged.err" || fail "no word of the damage: $(cat "$ROOT/damaged.err")"
[ -e "$ROOT/out/again.txt" ] && fail "a damaged copy was written out"
nat bob recv >/dev/null 2>&1 || fail "bob recv (fetch again) failed"
cmp -s "$ROOT/bob/files/$blob" "$ROOT/blob" || fail "the copy was not fetched again"
nat bob save "$id" "$ROOT/out/again.txt" >/dev/null || fail "save after the fetch"
cmp -s "$ROOT/out/again.txt" "$ROOT/notes.txt" || fail "again.txt differs"

# The same file to carol, and bob's forward of it: nothing new uploaded.
bytes=$(metric natter_asset_bytes)
nat alice --json send-file carol "$ROOT/notes.txt" >"$ROOT/sent2" ||
    fail "send-file to carol failed"
assert_eq "$(jl "$ROOT/sent2" 'L[0]["attachment"]["blob"]')" "$blob" \
    "the same file reuses its blob"
nat bob --json send-file carol "$ROOT/out/notes.txt" >"$ROOT/sent3" ||
    fail "bob's forward failed"
assert_eq "$(jl "$ROOT/sent3" 'L[0]["attachment"]["blob"]')" "$blob" \
    "a forward reuses the blob"
assert_eq "$(metric natter_assets_stored_total)" 1 "still one blob stored"
assert_eq "$(metric natter_asset_bytes)" "$bytes" "no bytes added"
# Each reuse told natterd (a POST answered before its body), which keeps
# the blob as long as the newest message with it.
assert_eq "$(metric natter_asset_dedup_hits_total)" 2 "dedup hits"
nat carol --json recv >"$ROOT/recv3" || fail "carol recv failed"
assert_eq "$(jl "$ROOT/recv3" 'len([m for m in L if m["type"]=="message" and m["attachment"]["state"]=="ready"])')" \
    2 "carol has both files"

# A compressible file goes compressed: its blob is much smaller.
yes "natter compresses this line before it encrypts it" | head -c 1000000 \
    >"$ROOT/lines.txt"
nat alice --json send-file bob "$ROOT/lines.txt" >"$ROOT/sent4" ||
    fail "send-file lines failed"
blob4=$(jl "$ROOT/sent4" 'L[0]["attachment"]["blob"]')
size4=$(curl -fsS -I "$HTTP/v1/assets/$blob4" |
    awk 'tolower($1) == "content-length:" { print $2 + 0 }')
[ "$size4" -lt 100000 ] || fail "a compressible file was sent as $size4 bytes"

# A bad NATTER_AUTO_DOWNLOAD is said, not taken as 0.
NATTER_AUTO_DOWNLOAD=lots nat bob status >/dev/null 2>"$ROOT/auto.err" ||
    fail "status with a bad NATTER_AUTO_DOWNLOAD failed"
grep -q "NATTER_AUTO_DOWNLOAD=lots is not a number" "$ROOT/auto.err" ||
    fail "no word of the bad NATTER_AUTO_DOWNLOAD: $(cat "$ROOT/auto.err")"

# Over the automatic download size: waits; save fetches it.
NATTER_AUTO_DOWNLOAD=1000 nat bob --json recv >"$ROOT/recv4" ||
    fail "bob recv (big file) failed"
assert_eq "$(jl "$ROOT/recv4" '[m["attachment"]["state"] for m in L if m["type"]=="message"][0]')" \
    waiting "a file over the automatic size waits"
id4=$(jl "$ROOT/sent4" 'L[0]["id"]')
nat bob save "$id4" "$ROOT/out/lines.txt" >/dev/null || fail "save of lines"
cmp -s "$ROOT/out/lines.txt" "$ROOT/lines.txt" || fail "lines.txt differs"

# A device linked to alice later gets her files with the history.
link_device laptop laptop
nat laptop --json recv >"$ROOT/recv6" 2>"$ROOT/recv6.err" ||
    fail "laptop recv failed: $(cat "$ROOT/recv6.err")"
nat laptop --json history bob >"$ROOT/hist6" || fail "laptop history failed"
assert_eq "$(jl "$ROOT/hist6" '[m["attachment"]["state"] for m in L if m.get("attachment") and m["attachment"]["name"]=="notes.txt"][0]')" \
    ready "the linked device has the file of the history"
[ -f "$ROOT/laptop/files/$blob" ] || fail "the linked device lacks the blob"

# A blob changed on the server is refused: never a file, never saved.
head -c 300000 /dev/urandom >"$ROOT/photo.jpg"
nat alice --json send-file bob "$ROOT/photo.jpg" >"$ROOT/sent5" ||
    fail "send-file photo failed"
blob5=$(jl "$ROOT/sent5" 'L[0]["attachment"]["blob"]')
id5=$(jl "$ROOT/sent5" 'L[0]["id"]')
assert_eq "$(jl "$ROOT/sent5" 'L[0]["attachment"]["mime"]')" image/jpeg \
    "mime from the name"
stored=$(find "$DATA" -type f -name "$blob5" | head -n 1)
[ -n "$stored" ] || fail "no stored blob file named $blob5 under $DATA"
python3 - "$stored" <<'PY'
import sys
p = sys.argv[1]
with open(p, "r+b") as f:
    f.seek(150000)
    b = f.read(1)
    f.seek(150000)
    f.write(bytes([b[0] ^ 1]))
PY
nat bob --json recv >"$ROOT/recv5" 2>"$ROOT/recv5.err" ||
    fail "bob recv (tampered) failed: $(cat "$ROOT/recv5.err")"
assert_eq "$(jl "$ROOT/recv5" '[m["attachment"]["state"] for m in L if m["type"]=="message"][0]')" \
    refused "a tampered blob is refused"
grep -q "refused" "$ROOT/recv5.err" || fail "no warning about the refused file"
[ -e "$ROOT/bob/files/$blob5" ] && fail "the tampered blob is kept"
[ -e "$ROOT/bob/files/$blob5.part" ] && fail "the tampered download is kept"
assert_exit 1 "save of a refused file" nat bob save "$id5" "$ROOT/out/photo.jpg" 2>/dev/null
[ -e "$ROOT/out/photo.jpg" ] && fail "a refused file was written"
ls -A "$ROOT/out" | grep -q '^\.natter' && fail "a temporary file is left"

# Sent while natterd is down: kept in the outbox (exit 1 says so), and it
# goes, blob first, with the next command that connects.
printf 'offline-%s\n' "$$" >"$ROOT/offline.txt"
stop_server || fail "natterd exit status $? on SIGTERM"
nat alice send-file bob "$ROOT/offline.txt" 2>"$ROOT/off.err" &&
    fail "send-file with natterd down succeeded"
grep -q "stays in the outbox" "$ROOT/off.err" ||
    fail "send-file offline did not say it is kept: $(cat "$ROOT/off.err")"
restart_server
nat alice recv >/dev/null 2>&1 || fail "alice recv (outbox) failed"
mkdir "$ROOT/out2"
nat bob --json recv --save "$ROOT/out2" >"$ROOT/recv7" ||
    fail "bob recv (offline file) failed"
cmp -s "$ROOT/out2/offline.txt" "$ROOT/offline.txt" ||
    fail "the file sent offline did not arrive whole"

pass
