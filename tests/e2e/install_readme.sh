#!/bin/sh
# install_readme: cmake --install puts natter, natterd and the four man
# pages under the prefix, and the README's "Using it" session works with
# what was installed: every "$ " command of it runs (7878 made a free
# port, HOME a temporary one) and prints each output line the README
# shows after it (times, the version and "..." as wildcards).
. "$(dirname "$0")/lib.sh"
e2e_init install_readme

[ -n "${NATTER_BUILD_DIR:-}" ] || NATTER_BUILD_DIR=$(dirname "$(dirname "$NATTER_BIN")")
[ -f "$NATTER_BUILD_DIR/CMakeCache.txt" ] ||
    fail "no build directory (NATTER_BUILD_DIR=$NATTER_BUILD_DIR)"
prefix=$ROOT/prefix
cmake --install "$NATTER_BUILD_DIR" --prefix "$prefix" >"$ROOT/install.log" 2>&1 ||
    fail "cmake --install: $(cat "$ROOT/install.log")"
for f in bin/natter bin/natterd; do
	[ -x "$prefix/$f" ] || fail "$f not installed: $(cat "$ROOT/install.log")"
done
for m in man1/natter.1 man5/natter-rpc.5 man7/natter-protocol.7 \
    man8/natterd.8; do
	cmp -s "$prefix/share/man/$m" "$E2E_TOP/man/${m#*/}" ||
	    fail "share/man/$m not installed as in man/"
done
assert_eq "$("$prefix/bin/natterd" --version)" "$("$NATTERD_BIN" --version)" \
    "the installed natterd"

mkdir "$ROOT/home"
PORT=$(free_port)
env -i PATH="$prefix/bin:/usr/bin:/bin" HOME="$ROOT/home" \
    python3 - "$E2E_TOP/README.md" "$PORT" "$ROOT/.pids" <<'PY' ||
import os, re, shlex, subprocess, sys, time

readme, port, pids = sys.argv[1:4]
text = open(readme, encoding="utf-8").read()
section = text.split("\n## Using it\n", 1)[1].split("\n## ", 1)[0]
steps = []                      # [command, [expected lines]]
for block in re.findall(r"```\n(.*?)```", section, re.S):
    lines = block.splitlines()
    if not any(l.startswith("$ ") for l in lines):
        continue                # a list of commands, not a session
    for line in lines:
        if line.startswith("$ "):
            steps.append([line[2:], []])
        elif steps and line.strip():
            steps[-1][1].append(line)
if len(steps) < 8:
    sys.exit("the README's Using it has %d commands" % len(steps))

home = os.environ["HOME"]
def local(s):
    return s.replace("7878", port)
def pattern(line):
    p = re.escape(local(line).replace("/home/you", home))
    p = p.replace(re.escape("..."), ".*")
    p = re.sub(r"\d\d:\d\d:\d\d", r"\\d\\d:\\d\\d:\\d\\d", p)
    p = re.sub(r"natterd\\ \d+\\.\d+\\.\d+", r"natterd\\ \\S+", p)
    return re.compile(p)

env = dict(os.environ)
procs = []
try:
    for cmd, want in steps:
        cmd = local(cmd)
        words = shlex.split(cmd, comments=True)
        if words and words[0] == "export":
            for w in words[1:]:
                k, v = w.split("=", 1)
                env[k] = v
            continue
        if cmd.split("#")[0].rstrip().endswith("&"):
            out = open("bg.out", "w+")
            p = subprocess.Popen(cmd.split("#")[0].rstrip()[:-1], shell=True,
                env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
            procs.append(p)
            open(pids, "a").write("%d\n" % p.pid)
            deadline = time.time() + 15
            while True:
                out.seek(0)
                got = out.read()
                if all(any(pattern(w).fullmatch(l) for l in got.splitlines())
                       for w in want) and got:
                    break
                if time.time() > deadline or p.poll() is not None:
                    sys.exit("%s: printed %r" % (cmd, got))
                time.sleep(0.05)
            continue
        r = subprocess.run(cmd, shell=True, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=60)
        got = r.stdout.decode("utf-8", "replace")
        if r.returncode != 0:
            sys.exit("%s: exit %d: %s" % (cmd, r.returncode, got))
        for w in want:
            if not any(pattern(w).fullmatch(l) for l in got.splitlines()):
                sys.exit("%s: no line like %r in %r" % (cmd, w, got))
        print("# ok: %s" % cmd)
finally:
    for p in procs:
        p.terminate()
        p.wait(10)
PY
    fail "the README's Using it session with the installed programs"
pass
