#!/bin/sh
# tui_clusters: a table of grapheme clusters (skin tones, ZWJ sequences,
# flags, keycaps, CJK, combining marks, Hangul jamo, Devanagari, a ZWJ
# between letters, VS16) round trips to the screen: every message row that
# tmux's capture-pane shows equals the stored text exactly, so no cluster
# was split, shifted or widened and nothing was left behind; checked again
# after scrolling back and forth, after resizing, and after typing them.
#
# Each table line ends in "|" right after its last cluster: a cluster the
# terminal drew wider than natter laid it out loses its tail to the "|",
# a narrower one leaves a gap before it.  tmux 3.3 keeps at most 21 bytes
# in a cell, so no cluster here is longer (a family of four, 25 bytes,
# would lose its last member in tmux itself).
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_clusters
start_server
register alice bob

python3 - "$ROOT/table" <<'PY'
import sys
rows = [
    "\U0001F44D\U0001F3FD\U0001F44B\U0001F3FF\U0001F9D1\U0001F3FB",
    "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    "\U0001F469\u200d\u2764\ufe0f\u200d\U0001F468"
    "\U0001F3F3\ufe0f\u200d\U0001F308",
    "\U0001F1EB\U0001F1F7\U0001F1E9\U0001F1EA\U0001F1EF\U0001F1F5",
    "1\ufe0f\u20e3#\ufe0f\u20e3*\ufe0f\u20e3",
    "\u65e5\u672c\u8a9e\u6f22\u5b57",
    "e\u0301 a\u0308\u0323 x\u0327\u0306 \u00e9",
    "\u1100\u1161\u11a8 \u1112\u1161\u11ab \ud55c\uad6d\uc5b4",
    "\u0915\u094d\u0937 \u0915\u093f \u0939\u093f\u0928\u094d\u0926\u0940",
    "caf\u200d\u00e9 x\u200d\u00fc",
    "\u2764\ufe0f\u263a\ufe0f\u2764",
    "a\U0001F44D\U0001F3FDb\u65e5c\U0001F1EB\U0001F1F7d\u0915\u093fe",
    "\U0001F9D1\U0001F3FD\u200d\U0001F91D\u200d\U0001F9D1\U0001F3FF",
    "\u0600\u0661 \u0627\u0644",
]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i, r in enumerate(rows, 1):
        f.write("t%02d %s|\n" % (i, r))
PY
while IFS= read -r line; do
	nat bob send alice "$line" >/dev/null || fail "bob send $line"
done <"$ROOT/table"
i=1
while [ $i -le 40 ]; do
	nat bob send alice "f$(printf %02d $i) filler" >/dev/null ||
	    fail "bob send filler $i"
	i=$((i + 1))
done

# check WHAT [KEY]: every message row on the screen is its stored text,
# whole (and the row of message KEY is there).
check()
{
	tui_screen >"$ROOT/screen"
	python3 - "$ROOT/table" "$ROOT/screen" "$1" "${2:-}" <<'PY' || fail "$1"
import re, sys
want = {}
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    want[line.split(" ", 1)[0]] = line
want["u01"] = want["t11"].replace("t11", "u01", 1).replace(
    "d\u0915\u093fe", "de")
for i in range(1, 41):
    want["f%02d" % i] = "f%02d filler" % i
seen, bad = 0, []
for row in open(sys.argv[2], encoding="utf-8"):
    row = row.rstrip("\n")
    m = re.search(r"(bob|alice): ([tfu][0-9][0-9]|[tfu][0-9][0-9] .*)$",
                  row)
    if not m:
        continue
    got = m.group(2).rstrip(" ")
    if m.group(1) == "alice":
        got = re.sub(r" .(queued|sent|delivered|read)$", "", got)
    key = got.split(" ", 1)[0]
    seen += 1
    if got != want.get(key):
        bad.append("row  %r\nwant %r" % (got, want.get(key)))
need = sys.argv[4]
if need and not any(("%s: %s" % ("bob", need)) in r
                    for r in open(sys.argv[2], encoding="utf-8")):
    bad.append("no row with %s on the screen" % need)
if seen == 0:
    bad.append("no message rows on the screen")
if bad:
    sys.stderr.write("%s:\n%s\n--- screen ---\n%s" % (sys.argv[3],
        "\n".join(bad), open(sys.argv[2], encoding="utf-8").read()))
    sys.exit(1)
PY
}

tui_start alice 100 30
tui_wait 20 "connected" 'connected'
tui_type "/open bob"
tui_keys Enter
tui_wait 10 "bob open" 'bob: f40 filler'
check "the newest page"
tui_keys PPage
tui_wait 10 "PgUp" 'bob: f1[0-9] filler'
check "one page up"
tui_keys PPage PPage
tui_wait 10 "the table" 'bob: t01 '
check "the table on screen" t13
tui_keys NPage
check "one page down again"
tui_keys PPage
check "back to the table" t01
tui_resize 70 20
tui_wait 10 "resized" 'bob: '
check "resized to 70x20"
tui_keys PPage PPage PPage PPage
check "scrolled at 70x20" t01
tui_resize 100 30
tui_wait 10 "resized back" 'bob: '
check "resized back to 100x30"

# Typed: the input line shows the clusters whole, Left and Backspace
# move over a whole cluster (a Devanagari KI here).
sed -n 11p "$ROOT/table" | sed 's/^t11/u01/' >"$ROOT/typed"
tui_type "$(cat "$ROOT/typed")"
tui_keys Left Left
tui_type "_"
tui_screen >"$ROOT/screen"
python3 - "$ROOT/typed" "$ROOT/screen" <<'PY' || fail "the input line"
import sys
typed = open(sys.argv[1], encoding="utf-8").read().rstrip("\n")
want = "bob> " + typed.replace("e|", "_e|")
rows = [r.rstrip("\n").rstrip(" ") for r in open(sys.argv[2], encoding="utf-8")]
if want not in rows:
    sys.stderr.write("want %r\n--- screen ---\n%s\n" % (want, "\n".join(rows)))
    sys.exit(1)
PY
tui_keys BSpace BSpace Enter
tui_wait 20 "typed message sent" 'alice: u01 '
tui_keys C-l
tui_wait 10 "redrawn" 'alice: u01 '
check "the typed message" 
pass
