#!/bin/sh
# tui_read: read receipts from the TUI go out only for messages actually on
# screen in the open conversation while the terminal has the focus (focus
# reporting: CSI O / CSI I); bob's `natter read` moves alice's tick to
# "read"; a conversation scrolled up stays put when a message arrives.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_read
start_server
register alice bob
nat bob --json send alice "first from bob" >"$ROOT/first" || fail "bob send"
first=$(jl "$ROOT/first" 'L[0]["id"]')

# bob's receipts: every recv appended to bob.recv.
bob_recv()
{
	nat bob --json recv >>"$ROOT/bob.recv" 2>>"$ROOT/bob.recv.err"
}
# read_ids: the ids bob has read receipts for, one per line.
read_ids()
{
	jl "$ROOT/bob.recv" '"\n".join(o["id"] for o in L if
	    o.get("type") == "receipt" and o["status"] == "read")'
}
has_read()
{
	bob_recv || return 1
	read_ids | grep -qx "$1"
}
read_count_ge()
{
	bob_recv || return 1
	[ "$(read_ids | grep -c .)" -ge "$1" ]
}

tui_start alice 100 30
tui_wait 20 "connected" 'alice/1 . connected'
tui_wait 10 "bob unread" 'bob +1'

log "unfocused: the message is on screen, no read receipt"
$TUI_TMUX send-keys -t t -H 1b 5b 4f		# CSI O: focus lost
tui_type "/open bob"
tui_keys Enter
tui_wait 10 "bob's message" 'bob: first from bob'
tui_type "ping"
tui_keys Enter
tui_wait 20 "ping stored" 'alice: ping .(sent|delivered)'
# The outbox is FIFO: a receipt queued before ping reaches bob before it.
touch "$ROOT/bob.recv"
wait_for 20 eval 'bob_recv && grep -q "\"ping\"" "$ROOT/bob.recv"' ||
    fail "bob did not get ping: $(cat "$ROOT/bob.recv" "$ROOT/bob.recv.err")"
[ -z "$(read_ids)" ] || fail "read receipt sent while unfocused: $(read_ids)"

log "focus back: the receipt goes out"
$TUI_TMUX send-keys -t t -H 1b 5b 49		# CSI I: focus gained
wait_for 20 has_read "$first" ||
    fail "no read receipt for $first: $(cat "$ROOT/bob.recv")"

log "bob reads ping: alice's tick moves to read"
tui_wait 20 "delivered tick" 'alice: ping .delivered'
nat bob read alice >/dev/null || fail "bob read"
tui_wait 20 "read tick" 'alice: ping .read'

log "only what is on screen is read"
tui_type "/close"
tui_keys Enter
tui_wait 10 "closed" 'No conversation'
rpc_sends "$ROOT/rpc.in" alice bulk 60
rpc_run bob "$ROOT/rpc.in" "$ROOT/rpc.out" 32 ||
    fail "rpc: $(cat "$ROOT/rpc.out.err")"
tui_wait 20 "60 unread" 'bob +60'
before=$(read_ids | grep -c .)
tui_type "/open bob"
tui_keys Enter
tui_wait 10 "the newest on screen" 'bob: bulk-60'
wait_for 20 read_count_ge $((before + 1)) || fail "no receipts for the screen"
shown=$(($(read_ids | grep -c .) - before))
[ "$shown" -ge 10 ] && [ "$shown" -lt 60 ] ||
    fail "$shown messages read after opening (a screen holds ~25)"
tui_screen | grep -q 'bob: bulk-1$' && fail "bulk-1 on screen too"
# One page at a time: keys that arrive together are handled before the
# next frame, and a page never drawn is never read.
shot()
{
	tui_screen | grep -o 'bob: bulk-[0-9]*' | tr '\n' ' '
}
moved() { [ "$(shot)" != "$view" ]; }
pages=0
while ! tui_screen | grep -q 'bob: bulk-1$'; do
	pages=$((pages + 1))
	[ "$pages" -le 10 ] || fail "bulk-1 not reached in 10 pages"
	view=$(shot)
	tui_keys PPage
	wait_for 10 moved || fail "PgUp did not move the view"
done
wait_for 20 read_count_ge $((before + 60)) ||
    fail "paging up did not read them all: $(read_ids | grep -c .)"
assert_eq "$(jl "$ROOT/bob.recv" 'len([o for o in L if o.get("status") ==
    "read"]) - len(set(o["id"] for o in L if o.get("status") == "read"))')" \
    0 "read receipts printed twice"

log "scrolled up, a new message does not move the view"
view=$(shot)
tui_keys NPage
wait_for 10 moved || fail "PgDn did not move the view"
view=$(shot)
nat bob send alice "newest" >/dev/null || fail "bob send"
tui_wait 20 "preview of the newest" 'newest'
assert_eq "$(shot)" "$view" "the view after a message arrived"
tui_keys NPage
tui_keys NPage
tui_wait 10 "newest at the bottom" 'bob: newest'
pass
