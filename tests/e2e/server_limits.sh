# server_limits: key hygiene in natterd with raw protocol clients: bundle
# requests are limited per requesting account (30 in a burst) and per
# account asked for (100 in a burst), whatever the connection, so that
# nobody drains another's one-time prekeys; one sender's messages take at
# most 25,000 places of a device's queue (QUEUE_FULL to that sender only:
# others still get through, and its own devices' copies do not count).
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_limits
start_server

for u in alice bob carol dave erin frank; do
	probe register $u 5 >/dev/null || fail "register $u"
done

log "bundle requests per requesting account"
out=$(probe auth alice bundles bob 20)
assert_eq "$out" "auth OK
bundles ok=20 limited=0" "20 of alice's 30"
# A new connection is the same account: 10 more, then none.
out=$(probe auth alice bundles carol 15)
assert_eq "$out" "auth OK
bundles ok=10 limited=5 (too many key requests from your account; try again in a minute)" \
    "alice's next 15, on another connection"
out=$(probe auth bob bundles carol 5)
assert_eq "$out" "auth OK
bundles ok=5 limited=0" "bob is not limited by alice's requests"

log "bundle requests per account asked for"
# carol has been asked 15 times (refusals do not count); 85 more, from
# three accounts, empty her bucket of 100 for everyone.
out=$( (probe auth bob bundles carol 25; probe auth dave bundles carol 30;
    probe auth erin bundles carol 30; probe auth frank bundles carol 3) |
    grep '^bundles')
assert_eq "$out" "bundles ok=25 limited=0
bundles ok=30 limited=0
bundles ok=30 limited=0
bundles ok=0 limited=3 (too many key requests for carol; try again in a few minutes)" \
    "carol's bundles, asked by many"
out=$(probe auth frank bundles alice 1)
assert_eq "$out" "auth OK
bundles ok=1 limited=0" "frank may still ask for others"

log "one sender's share of a queue"
out=$(probe auth alice sendpipe bob 25001 10 64 sendenv bob x bob:1 \
    sendenv alice note -)
assert_eq "$(printf '%s\n' "$out" | sed 's/ [0-9]* msgs\/s$//')" "auth OK
sendpipe OK 25000/25001
sendenv QUEUE_FULL missing=- extra=- (bob has too many of your messages waiting; try again once they are read)
sendenv OK missing=- extra=-" "alice's 25,000 for bob"
out=$(probe auth carol sendenv bob hi bob:1)
assert_eq "$out" "auth OK
sendenv OK missing=- extra=-" "carol still gets through to bob"
# The shares are counted again from the database after a restart.
restart_server
out=$(probe auth alice sendenv bob x bob:1)
assert_contains "$out" "sendenv QUEUE_FULL" "alice's share after a restart"
out=$(probe auth bob recv 25001)
assert_contains "$out" "drained 25001" "bob reads everything"
out=$(probe auth alice sendenv bob x bob:1)
assert_eq "$out" "auth OK
sendenv OK missing=- extra=-" "alice's share after bob read"
pass
