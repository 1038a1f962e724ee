# server_assets_full: an upload that finds the disk full is answered 507 and
# leaves no partial behind; natterd goes on serving. The asset directory
# is a 2 MiB tmpfs when this runs as root and mount(8) is allowed (a real
# ENOSPC); otherwise natterd runs under a 2 MiB RLIMIT_FSIZE (EFBIG, the
# same answer). NATTER_ASSETS_FULL=fsize forces the second.
. "$(dirname "$0")/../tools/assets-e2e.sh"
sv_init server_assets_full

# Unmount before the harness removes $ROOT.
full_keep=${E2E_KEEP:-0}
E2E_KEEP=1
full_mounted=0
full_cleanup()
{
	e2e_cleanup
	[ "$full_mounted" = 1 ] && umount "$DATA/assets" 2>/dev/null
	[ "$full_keep" = 1 ] || rm -rf "$ROOT"
}
trap 'full_cleanup' EXIT
trap 'full_cleanup; exit 130' INT
trap 'full_cleanup; exit 143' TERM
trap 'full_cleanup; exit 129' HUP

mkdir -p "$DATA/assets"
how=fsize
if [ "${NATTER_ASSETS_FULL:-tmpfs}" = tmpfs ] && [ "$(id -u)" = 0 ] &&
    mount -t tmpfs -o size=2m,mode=0700 tmpfs "$DATA/assets" 2>/dev/null; then
	full_mounted=1
	how=tmpfs
else
	# 4096 blocks of 512 bytes: no file natterd writes grows past 2 MiB.
	cat >"$ROOT/natterd-limited" <<EOS
#!/bin/sh
ulimit -f 4096 || exit 1
exec "$NATTERD_BIN" "\$@"
EOS
	chmod +x "$ROOT/natterd-limited"
	NATTERD_BIN=$ROOT/natterd-limited
fi
log "disk full by $how"
start_server

tok=$(asset_token alice)
make_blob "$ROOT/fits" 1500000
code=$(upload "$ROOT/fits" "$tok")
assert_eq "$code" 201 "a blob that fits"
make_blob "$ROOT/full" 3000000
code=$(upload "$ROOT/full" "$tok")
assert_eq "$code" 507 "a blob that does not fit"
assert_eq "$(partials)" 0 "no partial after 507"
assert_eq "$(blobs)" 1 "only the first blob"
code=$(get_status "$HTTP/v1/assets/$(blob_id "$ROOT/full")")
assert_eq "$code" 404 "the refused blob is not served"
# Room is left for small ones, and natterd serves on.
make_blob "$ROOT/small" 20000
code=$(upload "$ROOT/small" "$tok")
assert_eq "$code" 201 "a small blob afterwards"
code=$(get_status "$HTTP/v1/assets/$(blob_id "$ROOT/fits")")
assert_eq "$code" 200 "the first blob is still served"
assert_eq "$(blob_id "$ROOT/get.body")" "$(blob_id "$ROOT/fits")" \
    "the first blob's bytes"
still_serving full
pass
