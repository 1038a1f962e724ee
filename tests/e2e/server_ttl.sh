# server_ttl: --message-ttl: an expired message is never delivered, and the
# purge removes it from the queue.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_ttl
start_server --message-ttl 2s

probe register alice >/dev/null || fail "register alice"
probe register bob >/dev/null || fail "register bob"
probe auth alice send bob short-lived >/dev/null || fail "send"
assert_eq "$(metric natter_queue_depth)" 1 "queued"
# The purge runs every second with a 2 s TTL: wait until it removed the row.
wait_for 15 sh -c "[ \$(curl -fsS -m 2 $HTTP/metrics |
    awk '\$1 == \"natter_purged_total\" { print \$2 }') -ge 1 ]" ||
    fail "expired message not purged"
assert_eq "$(metric natter_queue_depth)" 0 "queue after purge"
out=$(probe auth bob recv)
assert_eq "$out" "auth OK
drained 0" "expired message delivered"
still_serving ttl
pass
