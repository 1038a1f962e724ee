#!/bin/sh
# client_files_big: a 256 MiB file goes from alice to bob and comes back
# out of bob's save with the same SHA-256; a file's message is in the
# outbox before its upload starts, so an upload cut by kill -9 of the
# client or of natterd goes on, from the bytes natterd kept, with the
# next command that connects; no partial blob is ever served; a download
# cut by kill -9 of the receiver goes on from the bytes it kept.
. "$(dirname "$0")/lib.sh"
e2e_init client_files_big
NAT_TIMEOUT=240

start_server
register alice bob

head -c 268435456 /dev/urandom >"$ROOT/big.bin"
want=$(sha256sum "$ROOT/big.bin" | cut -d' ' -f1)
t0=$(now_ms)
nat alice --json send-file bob "$ROOT/big.bin" >"$ROOT/sent" \
    2>"$ROOT/sent.err" || fail "send-file 256 MiB: $(cat "$ROOT/sent.err")"
t1=$(now_ms)
assert_eq "$(jl "$ROOT/sent" 'L[0]["attachment"]["sha256"]')" "$want" \
    "sha256 of the file sent"
mkdir "$ROOT/out"
NATTER_AUTO_DOWNLOAD=300000000 nat bob --json recv --save "$ROOT/out" \
    >"$ROOT/recv" 2>"$ROOT/recv.err" || fail "recv: $(cat "$ROOT/recv.err")"
t2=$(now_ms)
assert_eq "$(jl "$ROOT/recv" '[m["attachment"]["saved"] for m in L if m["type"]=="message"][0]')" \
    "$ROOT/out/big.bin" "recv --save names the file"
assert_eq "$(sha256sum "$ROOT/out/big.bin" | cut -d' ' -f1)" "$want" \
    "sha256 of the file saved"
log "256 MiB: send-file $((t1 - t0)) ms, recv --save $((t2 - t1)) ms"
rm -f "$ROOT/out/big.bin" "$ROOT/big.bin"

# partial_size: bytes natterd holds of alice's upload in progress (0: none).
partial_size()
{
	ps_f=$(find "$DATA" -path '*partial*' -type f -name '*alice*' 2>/dev/null |
	    head -n 1)
	[ -n "$ps_f" ] && stat -c %s "$ps_f" || echo 0
}
partial_over()
{
	[ "$(partial_size)" -gt "$1" ]
}
# lowest SIZE_FN PID START: low = the fewest bytes SIZE_FN saw (START or
# fewer; 0, no file, does not count) while PID, a child of this shell,
# ran; a restarted transfer would truncate its file. (Not in a subshell:
# only the parent reaps PID, and kill -0 would see its zombie forever.)
lowest()
{
	low=$3
	while kill -0 "$2" 2>/dev/null; do
		lp_now=$($1)
		[ "$lp_now" -gt 0 ] && [ "$lp_now" -lt "$low" ] && low=$lp_now
		sleep 0.05
	done
}

# A slow upload, killed: the kept bytes are the starting point next time.
head -c 33554432 /dev/urandom >"$ROOT/cut.bin"
want=$(sha256sum "$ROOT/cut.bin" | cut -d' ' -f1)
NATTER_TEST_UPLOAD_BPS=4000000 nat_bg alice "$ROOT/cut1" --json send-file bob \
    "$ROOT/cut.bin"
pid=$BG_PID
wait_for 60 partial_over 4000000 || fail "the slow upload did not start"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
kept=$(partial_size)
log "killed the client with $kept bytes on the server"
[ "$kept" -gt 4000000 ] || fail "natterd kept $kept bytes of the upload"
blob=$(python3 - "$ROOT/alice/files" <<'PY'
import os, sys
names = [n for n in os.listdir(sys.argv[1]) if len(n) == 64]
print("\n".join(names))
PY
)
for b in $blob; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$HTTP/v1/assets/$b")
	[ "$code" = 200 ] || [ "$code" = 404 ] || fail "GET $b: $code"
done
# Again, still slow: the partial never shrinks (a restart would truncate it).
NATTER_TEST_UPLOAD_BPS=8000000 nat_bg alice "$ROOT/cut2" --json send-file bob \
    "$ROOT/cut.bin"
pid=$BG_PID
lowest partial_size "$pid" "$kept"
wait "$pid" || fail "send-file again failed: $(cat "$ROOT/cut2.err")"
[ "$low" -ge "$kept" ] ||
    fail "the upload started over: the partial fell from $kept to $low bytes"
assert_eq "$(jl "$ROOT/cut2" 'L[0]["attachment"]["sha256"]')" "$want" \
    "the resumed file"

# natterd killed mid-upload: send-file says the file stays in the outbox;
# the next command that connects goes on from the bytes natterd kept.
head -c 33554432 /dev/urandom >"$ROOT/cut3.bin"
want3=$(sha256sum "$ROOT/cut3.bin" | cut -d' ' -f1)
NATTER_TEST_UPLOAD_BPS=4000000 nat_bg alice "$ROOT/cut3" --json send-file bob \
    "$ROOT/cut3.bin"
pid=$BG_PID
wait_for 60 partial_over 4000000 || fail "the third upload did not start"
kill9_server
kept=$(partial_size)
restart_server
wait "$pid" && fail "send-file across natterd's kill -9 exited 0"
grep -q "stays in the outbox" "$ROOT/cut3.err" ||
    fail "send-file did not say the file is kept: $(cat "$ROOT/cut3.err")"
log "natterd was killed with $kept bytes kept"
NATTER_TEST_UPLOAD_BPS=8000000 nat_bg alice "$ROOT/cut4" recv
pid=$BG_PID
lowest partial_size "$pid" "$kept"
wait "$pid" || fail "alice recv (the queued file) failed: $(cat "$ROOT/cut4.err")"
[ "$low" -ge "$kept" ] ||
    fail "the queued upload started over: $kept bytes fell to $low"
nat alice --json history bob >"$ROOT/hist3" || fail "alice history"
assert_eq "$(jl "$ROOT/hist3" '[m["attachment"]["sha256"] for m in L if m.get("attachment")][-1]')" \
    "$want3" "the file sent after the restart"
assert_eq "$(jl "$ROOT/hist3" '[m["status"] for m in L if m.get("attachment")][-1]')" \
    sent "the queued file's message is sent"
b3=$(jl "$ROOT/hist3" '[m["attachment"]["blob"] for m in L if m.get("attachment")][-1]')
curl -fsS -o "$ROOT/b3" "$HTTP/v1/assets/$b3" || fail "GET the third blob"
assert_eq "$(sha256sum "$ROOT/b3" | cut -d' ' -f1)" "$b3" "the third blob"

nat bob --json recv --save "$ROOT/out" >"$ROOT/recv2" 2>"$ROOT/recv2.err" ||
    fail "bob recv: $(cat "$ROOT/recv2.err")"
cmp -s "$ROOT/out/cut.bin" "$ROOT/cut.bin" || fail "cut.bin differs"
cmp -s "$ROOT/out/cut3.bin" "$ROOT/cut3.bin" || fail "cut3.bin differs"

# A slow download, bob killed: save goes on from the bytes bob's profile
# kept (a Range request after checking them again), and the file saved
# is whole.
head -c 33554432 /dev/urandom >"$ROOT/dl.bin"
want5=$(sha256sum "$ROOT/dl.bin" | cut -d' ' -f1)
nat alice --json send-file bob "$ROOT/dl.bin" >"$ROOT/sent5" ||
    fail "send-file dl.bin"
blob5=$(jl "$ROOT/sent5" 'L[0]["attachment"]["blob"]')
part5=$ROOT/bob/files/$blob5.part
part5_size()
{
	[ -f "$part5" ] && stat -c %s "$part5" || echo 0
}
part5_over()
{
	[ "$(part5_size)" -gt "$1" ]
}
NATTER_TEST_DOWNLOAD_BPS=4000000 nat_bg bob "$ROOT/recv6" recv
pid=$BG_PID
# (Past what curl reads in its first burst after a restart, some 5 MB.)
wait_for 60 part5_over 12000000 || fail "the slow download did not start"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
kept=$(part5_size)
log "killed bob with $kept bytes of the download in his profile"
nat bob --json history alice >"$ROOT/hist5" || fail "bob history"
id5=$(jl "$ROOT/hist5" '[m["id"] for m in L if m.get("attachment")][-1]')
NATTER_TEST_DOWNLOAD_BPS=8000000 nat_bg bob "$ROOT/save5" --json save "$id5" \
    "$ROOT/out"
pid=$BG_PID
lowest part5_size "$pid" "$kept"
wait "$pid" || fail "save after the cut failed: $(cat "$ROOT/save5.err")"
[ "$low" -ge "$kept" ] ||
    fail "the download started over: the part fell from $kept to $low bytes"
assert_eq "$(jl "$ROOT/save5" 'L[0]["sha256"]')" "$want5" "the resumed file"
cmp -s "$ROOT/out/dl.bin" "$ROOT/dl.bin" || fail "dl.bin differs"
[ -e "$part5" ] && fail "the finished download left its .part"
pass
