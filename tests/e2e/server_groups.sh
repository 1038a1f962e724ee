# server_groups: groups through natterd with raw protocol clients
# (docs/groups.md, natter-protocol(7) "Groups"): create, add, remove,
# leave, rename, admin and their refusals; change events to the right
# devices in order with the group's messages; GroupSend's device check
# (DEVICE_MISMATCH with the set), a body stored once with a reference per
# device, freed after the last ack; a removed member gets nothing more;
# an offline member drains in order; a member's second device; kill -9
# during a 1,024-member fan-out; a body's expiry.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_groups
start_server

for u in alice bob carol dave eve; do
	probe register $u >/dev/null || fail "register $u"
done

# sql_is SQL WANT MSG: natterd stopped, SQL run on its database, natterd
# restarted; its output must be WANT.
sql_is()
{
	server_query "$1"
	assert_eq "$(cat "$ROOT/.sql")" "$2" "$3"
}

log "create and the refusals around it"
out=$(probe auth alice gop create team bob,carol gop create team dave \
    gop create Team bob gop create other nobody gop create other Bad \
    gop create solo - gquery gquery team gquery nope)
assert_eq "$out" "auth OK
gop OK team e=1 m=alice,bob,carol a=alice
gop NAME_TAKEN (a group named team exists)
gop NAME_INVALID (group names are 1 to 32 of a-z 0-9 . _ -)
gop UNKNOWN_USER (no user named nobody)
gop NAME_INVALID (Bad is not a user name (1 to 32 of a-z 0-9 . _ -))
gop OK solo e=1 m=alice a=alice
gquery OK solo e=1 m=alice a=alice team e=1 m=alice,bob,carol a=alice
gquery OK team e=1 m=alice,bob,carol a=alice
gquery UNKNOWN_GROUP (no such group, or you are not a member of it)" "create"
assert_eq "$(metric natter_groups)" 2 "natter_groups"

log "non-members and non-admins"
out=$(probe auth dave gquery team gop add team dave gop leave team \
    gsend team hi gquery)
assert_eq "$out" "auth OK
gquery UNKNOWN_GROUP (no such group, or you are not a member of it)
gop UNKNOWN_GROUP (no such group, or you are not a member of it)
gop UNKNOWN_GROUP (no such group, or you are not a member of it)
gsend UNKNOWN_GROUP (no such group, or you are not a member of it)
gquery OK" "a non-member sees nothing (the probe knows the id)"
out=$(probe auth bob gop add team dave gop remove team carol \
    gop rename team - team2 gop admin team bob gop add team nobody)
assert_eq "$out" "auth OK
gop NOT_ADMIN (only an admin of team can do that)
gop NOT_ADMIN (only an admin of team can do that)
gop NOT_ADMIN (only an admin of team can do that)
gop NOT_ADMIN (only an admin of team can do that)
gop NOT_ADMIN (only an admin of team can do that)" "a member who is no admin"

log "no-ops change nothing"
out=$(probe auth alice gop add team bob,carol gop remove team dave,eve \
    gop admin team alice gop rename team - team)
assert_eq "$out" "auth OK
gop OK team e=1 m=alice,bob,carol a=alice
gop OK team e=1 m=alice,bob,carol a=alice
gop OK team e=1 m=alice,bob,carol a=alice
gop OK team e=1 m=alice,bob,carol a=alice" "no-ops"

log "a send with a wrong hash, then the right one"
out=$(probe auth alice gsendx team m1 gsend team m1 gsend team m2)
assert_eq "$(printf '%s\n' "$out" | sed 's/ ts=.*//')" "auth OK
gsendx DEVICE_MISMATCH devices=bob:1,carol:1 team e=1 m=alice,bob,carol a=alice
gsend OK
gsend OK" "GroupSend"
assert_eq "$(metric natter_group_messages_total)" 2 "group messages stored"
# Changes: team's creation to 3 devices, solo's to 1; m1 and m2 to 2.
assert_eq "$(metric natter_group_deliveries_total)" 8 "references queued"
sql_is 'SELECT count(*) FROM group_bodies WHERE type = 3' 2 \
    "each message stored once"
sql_is 'SELECT count(*) FROM group_refs r JOIN group_bodies b
    ON b.body = r.body WHERE b.type = 3' 4 "a reference per member device"

log "changes and messages in order; dave added sees nothing before"
out=$(probe auth alice gop add team dave,eve gop admin team bob \
    gop rename team - crew gsend crew m3 gop remove crew carol gsend crew m4)
assert_eq "$(printf '%s\n' "$out" | sed 's/ ts=.*//')" "auth OK
gop OK team e=2 m=alice,bob,carol,dave,eve a=alice
gop OK team e=3 m=alice,bob,carol,dave,eve a=alice,bob
gop OK crew e=4 m=alice,bob,carol,dave,eve a=alice,bob
gsend OK
gop OK crew e=5 m=alice,bob,dave,eve a=alice,bob
gsend OK" "changes"
out=$(probe auth bob recv)
assert_eq "$out" "auth OK
gchange team created by=alice u=bob,carol e=1 m=alice,bob,carol a=alice
gmsg team alice 1 m1
gmsg team alice 1 m2
gchange team added by=alice u=dave,eve e=2 m=alice,bob,carol,dave,eve a=alice
gchange team admin by=alice u=bob e=3 m=alice,bob,carol,dave,eve a=alice,bob
gchange crew renamed by=alice u=- e=4 m=alice,bob,carol,dave,eve a=alice,bob
gmsg crew alice 1 m3
gchange crew removed by=alice u=carol e=5 m=alice,bob,dave,eve a=alice,bob
gmsg crew alice 1 m4
drained 9" "bob's view, in order"
out=$(probe auth carol recv)
assert_eq "$out" "auth OK
gchange team created by=alice u=bob,carol e=1 m=alice,bob,carol a=alice
gmsg team alice 1 m1
gmsg team alice 1 m2
gchange team added by=alice u=dave,eve e=2 m=alice,bob,carol,dave,eve a=alice
gchange team admin by=alice u=bob e=3 m=alice,bob,carol,dave,eve a=alice,bob
gchange crew renamed by=alice u=- e=4 m=alice,bob,carol,dave,eve a=alice,bob
gmsg crew alice 1 m3
gchange crew removed by=alice u=carol e=5 m=alice,bob,dave,eve a=alice,bob
drained 8" "carol: the removal, then nothing more"
out=$(probe auth dave recv)
assert_eq "$out" "auth OK
gchange team added by=alice u=dave,eve e=2 m=alice,bob,carol,dave,eve a=alice
gchange team admin by=alice u=bob e=3 m=alice,bob,carol,dave,eve a=alice,bob
gchange crew renamed by=alice u=- e=4 m=alice,bob,carol,dave,eve a=alice,bob
gmsg crew alice 1 m3
gchange crew removed by=alice u=carol e=5 m=alice,bob,dave,eve a=alice,bob
gmsg crew alice 1 m4
drained 6" "dave: from his addition on"
out=$(probe auth carol gsend crew late gquery crew)
assert_eq "$out" "auth OK
gsend UNKNOWN_GROUP (no such group, or you are not a member of it)
gquery UNKNOWN_GROUP (no such group, or you are not a member of it)" \
    "a removed member can neither send nor see"

log "receipts: one per acking device, to the sender"
out=$(probe auth alice recv)
assert_eq "$(printf '%s\n' "$out" | grep -c '^receipt ')" 9 \
    "alice's delivered receipts (bob 4, carol 3, dave 2)"
assert_eq "$(printf '%s\n' "$out" | grep -c '^gchange ')" 6 \
    "alice hears her own changes"

log "leave, the last admin, the last member"
out=$(probe auth alice gop leave crew)
assert_eq "$out" "auth OK
gop OK crew e=6 m=bob,dave,eve a=bob" "alice leaves; bob is admin"
out=$(probe auth bob gop remove crew bob)
assert_eq "$out" "auth OK
gop OK crew e=7 m=dave,eve a=dave" "remove of self is leave; dave, longest, is admin"
out=$(probe auth dave recv)
assert_contains "$out" "gchange crew left by=bob u=bob e=7 m=dave,eve a=dave" \
    "dave hears bob leave"
out=$(probe auth eve gop leave crew)
assert_eq "$out" "auth OK
gop OK crew e=8 m=dave a=dave" "eve leaves"
out=$(probe auth dave gop leave crew)
assert_eq "$out" "auth OK
gop OK crew e=9 m=- a=-" "the last member leaves"
out=$(probe auth bob gop create crew eve)
assert_eq "$out" "auth OK
gop OK crew e=1 m=bob,eve a=bob" "the name is free again"
assert_eq "$(metric natter_groups)" 2 "natter_groups after"

log "every body is freed by the last ack"
# eve's acks queue receipts for alice: alice reads again last.
for u in alice bob carol dave eve alice; do
	probe auth $u recv >/dev/null || fail "recv $u"
done
sql_is 'SELECT count(*) FROM group_bodies' 0 "no bodies left"
sql_is 'SELECT count(*) FROM queue' 0 "no rows left"
sql_is 'SELECT count(*) FROM group_refs' 0 "no references left"
log "a member's second device"
key=$(probe keygen bob2) || fail "keygen"
rogue_device bob 2 "${key#keygen bob2 }"
out=$(probe auth bob gop create duo alice)
assert_eq "$out" "auth OK
gop OK duo e=1 m=alice,bob a=bob" "duo"
out=$(probe auth alice gsendx duo x gsend duo d1)
assert_eq "$(printf '%s\n' "$out" | sed 's/ ts=.*//')" "auth OK
gsendx DEVICE_MISMATCH devices=bob:1,bob:2 duo e=1 m=alice,bob a=bob
gsend OK" "both of bob's devices are in the set"
out=$(probe auth bob 2 bob2 gsendx duo y gsend duo d2)
assert_eq "$(printf '%s\n' "$out" | sed 's/ ts=.*//')" "auth OK
gsendx DEVICE_MISMATCH devices=alice:1,bob:1 duo e=1 m=alice,bob a=bob
gsend OK" "the set less the sending device"
out=$(probe auth bob recv)
assert_eq "$out" "auth OK
gchange duo created by=bob u=alice e=1 m=alice,bob a=bob
gmsg duo alice 1 d1
gmsg duo bob 2 d2
drained 3" "bob/1 has both"
out=$(probe auth bob 2 bob2 recv | grep -v prekeys_low)
assert_eq "$out" "auth OK
gchange duo created by=bob u=alice e=1 m=alice,bob a=bob
gmsg duo alice 1 d1
drained 2" "bob/2 has alice's"

log "a device that leaves: its references go, the set follows"
out=$(probe auth alice gsend duo d3)
assert_contains "$out" "gsend OK" "d3"
out=$(probe auth bob 2 bob2 leaveaccount)
assert_contains "$out" "leaveaccount OK" "bob/2 leaves"
out=$(probe auth alice gsendx duo x gsend duo d4)
assert_eq "$(printf '%s\n' "$out" | sed 's/ ts=.*//')" "auth OK
gsendx DEVICE_MISMATCH devices=bob:1 duo e=1 m=alice,bob a=bob
gsend OK" "bob/2 is out of the set"
sql_is "SELECT (SELECT count(*) FROM queue WHERE device = 2) +
    (SELECT count(*) FROM group_refs WHERE device = 2)" 0 \
    "bob/2's references went with it"
out=$(probe auth bob recv)
assert_eq "$out" "auth OK
gmsg duo alice 1 d3
gmsg duo alice 1 d4
drained 2" "bob/1 reads on"

log "malformed group frames"
out=$(probe auth alice gbad badop gbad nogroup gbad longname gbad upper \
    gbad bigusers gbad baduser gbad badnew gbad nomid gbad noid \
    gbad shorthash gbad unknown)
assert_eq "$out" "auth OK
gbad badop BAD_REQUEST (op must be 1 (create) to 6 (admin))
gbad nogroup NAME_INVALID (group names are 1 to 32 of a-z 0-9 . _ -)
gbad longname NAME_INVALID (group names are 1 to 32 of a-z 0-9 . _ -)
gbad upper NAME_INVALID (group names are 1 to 32 of a-z 0-9 . _ -)
gbad bigusers TOO_LARGE (at most 1024 users in one group operation)
gbad baduser NAME_INVALID (Not A Name is not a user name (1 to 32 of a-z 0-9 . _ -))
gbad badnew NAME_INVALID (new_name: group names are 1 to 32 of a-z 0-9 . _ -)
gbad nomid BAD_REQUEST (message_id and group must be 16 bytes, devices_hash 32)
gbad noid BAD_REQUEST (message_id and group must be 16 bytes, devices_hash 32)
gbad shorthash BAD_REQUEST (message_id and group must be 16 bytes, devices_hash 32)
gbad unknown UNKNOWN_GROUP (no such group, or you are not a member of it)" \
    "refused, the connection kept"

log "1,024 members at most"
out=$(probe regmany u 1 1024 | grep -v '^r ')
assert_eq "$out" "regmany OK 1024" "1,024 accounts"
out=$(probe auth alice gop create large u-1..1024 gop create large u-1..1023 \
    gop add large u-1024 gop add large bob,u-1024)
assert_eq "$out" "auth OK
gop GROUP_FULL (a group has at most 1024 members)
gop OK large e=1 m=#1024 a=alice
gop GROUP_FULL (a group has at most 1024 members)
gop GROUP_FULL (a group has at most 1024 members)" "GROUP_FULL"

log "kill -9 during a 1,024-member fan-out loses and repeats nothing"
probe auth alice gsendpipe large k 40 4 "$ROOT/acked" >"$ROOT/pipe" &
pipe=$!
bg_track $pipe
wait_for 30 sh -c "[ \$(grep -c . '$ROOT/acked' 2>/dev/null || echo 0) -ge 3 ]" ||
    fail "no sends acked"
kill9_server
wait $pipe
acked=$(grep -c . "$ROOT/acked")
log "$acked of 40 acked before kill -9"
[ "$acked" -lt 40 ] || log "(all were acked before the kill)"
restart_server
# The sender sends again what it was not told was stored, same ids.
out=$(probe auth alice gsendpipe large k 40 4)
assert_contains "$out" "gsendpipe OK 40/40" "resent"
i=1
while [ $i -le 40 ]; do echo "k-$i"; i=$((i + 1)); done >"$ROOT/want"
out=$(probe recvmany u 1 1023 "$ROOT/want")
assert_eq "$out" "recvmany ok=1023 bad=0" "every member has each once, in order"
sql_is "SELECT count(*) FROM group_bodies WHERE content LIKE 'k-%'" 0 \
    "every body freed once every member acked it"

log "a body expires with its references (--message-ttl)"
restart_server --message-ttl 2s
out=$(probe auth alice gsend duo ttl-1)
assert_contains "$out" "gsend OK" "ttl-1"
purged0=$(metric natter_purged_total)
wait_for 15 sh -c "[ \$(curl -fsS -m 2 $HTTP/metrics |
    awk '\$1 == \"natter_purged_total\" { print \$2 }') -gt $purged0 ]" ||
    fail "expired group message not purged"
sql_is "SELECT count(*) FROM group_bodies WHERE content LIKE 'ttl-%'" 0 \
    "the expired body is gone"
out=$(probe auth bob recv)
assert_eq "$out" "auth OK
drained 0" "nothing expired is delivered"

still_serving groups
pass
