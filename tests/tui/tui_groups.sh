#!/bin/sh
# tui_groups: groups in the TUI. alice's "/group create team bob carol"
# opens #team with the line "alice created the group with bob, carol";
# her message to it reads "delivered 2/2" once bob and carol have it
# (recv) and "read 1/2" after bob's read receipt; bob's and carol's
# replies show with their names in two different colours; /group lists
# the members with the admin marked; "/group remove carol" is a line of
# the conversation and carol's recv is told; the header counts the
# members; Tab completes /group's subcommands, the open group's members
# and #team; "/group leave" works.
# dave, never a member, is refused /open #team on the notice line, and
# his TUI goes on to make a group of one.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_groups
NAT_TIMEOUT=60
start_server
register alice bob carol dave
TUI_PIPE=$ROOT/pane.log

tui_start alice 120 30
tui_wait 20 "status line" 'alice/1 . connected'
tui_type "/group create team bob carol"
tui_keys Enter
tui_wait 20 "the group made and listed" 'created #team, 3 members: alice \(admin\), bob, carol'
tui_wait 10 "#team open" '^#team>'
tui_wait 10 "the change as a line" '-- alice created the group with bob, carol'
tui_wait 10 "the header" '#team . 3 members \(/group lists them\)'

tui_type "hello team"
tui_keys Enter
tui_wait 30 "sent to the group" 'alice: hello team .delivered [0-2]/2, read 0/2'
nat bob recv >"$ROOT/bob.recv" || fail "bob's recv failed"
nat carol recv >"$ROOT/carol.recv" || fail "carol's recv failed"
grep -q 'hello team' "$ROOT/bob.recv" || fail "bob did not get the message"
grep -q 'hello team' "$ROOT/carol.recv" || fail "carol did not get the message"
tui_wait 30 "delivered to both" 'alice: hello team .delivered 2/2, read 0/2'

nat bob send '#team' "bob says hi" >/dev/null || fail "bob's send failed"
nat carol send '#team' "carol says hi" >/dev/null || fail "carol's send failed"
tui_wait 30 "bob's reply" 'bob: bob says hi'
tui_wait 30 "carol's reply" 'carol: carol says hi'
# Each member's name in its colour: two different SGR colours before the
# two names in what natter wrote to the pane.
bc=$(grep -ao '\[0;3[1-7]m[0-9:]* bob: ' "$TUI_PIPE" | tail -n 1 | cut -c5)
cc=$(grep -ao '\[0;3[1-7]m[0-9:]* carol: ' "$TUI_PIPE" | tail -n 1 | cut -c5)
[ -n "$bc" ] && [ -n "$cc" ] || fail "members' names are not coloured"
[ "$bc" != "$cc" ] || fail "bob and carol have the same colour ($bc)"

# bob reads it (his read receipt): alice's line says so.
nat bob read '#team' >/dev/null || fail "bob's read failed"
tui_wait 30 "read by bob" 'alice: hello team .delivered 2/2, read 1/2'

tui_type "/group"
tui_keys Enter
tui_wait 20 "the member list" '#team, 3 members: alice \(admin\), bob, carol'

# Tab: subcommands, the open group's members, #groups.
tui_type "/group rem"
tui_keys Tab
tui_wait 10 "the subcommand completed" '^#team> /group remove *$'
tui_type "ca"
tui_keys Tab
tui_wait 10 "the member completed" '^#team> /group remove carol *$'
tui_keys Enter
tui_wait 20 "carol removed" '-- alice removed carol'
tui_wait 10 "the new member list" '#team, 2 members: alice \(admin\), bob'
tui_wait 10 "the header follows" '#team . 2 members'
nat carol recv >"$ROOT/carol.recv2" || fail "carol's recv failed"
grep -q '"change":"removed"' "$ROOT/carol.recv2" ||
    grep -q 'removed' "$ROOT/carol.recv2" || fail "carol was not told"

tui_type "/open #te"
tui_keys Tab
tui_wait 10 "#team completed" '^#team> /open #team *$'
tui_keys C-u
tui_type "/group leave"
tui_keys Enter
tui_wait 20 "left" 'you left #team'
tui_type "/quit"
tui_keys Enter
tui_wait 10 "alice's natter exits 0" 'natter-exited-0'
tui_stop

# bob is the group's only member now, and its admin; dave was never in it.
tui_start dave 120 30
tui_wait 20 "dave connected" 'dave/1 . connected'
tui_type "/open #team"
tui_keys Enter
tui_wait 20 "not a member" '#team: .*(not a member|no group|unknown group)'
tui_type "/group create solo"
tui_keys Enter
tui_wait 20 "a group of one" 'created #solo, 1 member: dave \(admin\)'
tui_type "/quit"
tui_keys Enter
tui_wait 10 "dave's natter exits 0" 'natter-exited-0'
pass
