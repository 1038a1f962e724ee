# server_peercap: natterd caps connections per peer address
# (NATTERD_MAX_PER_IP): past the cap a new connection is closed at once,
# counted in natter_connections_refused_total; closing one makes room; a
# bad value is a usage error.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_peercap
out=$(NATTERD_MAX_PER_IP=lots "$NATTERD_BIN" --data "$DATA" 2>&1)
assert_eq "$?" 2 "bad NATTERD_MAX_PER_IP"
assert_contains "$out" "NATTERD_MAX_PER_IP" "says which setting"
NATTERD_MAX_PER_IP=8
export NATTERD_MAX_PER_IP
start_server
unset NATTERD_MAX_PER_IP

python3 - "$PORT" >"$ROOT/cap" 2>&1 <<'PY' || fail "cap: $(cat "$ROOT/cap")"
import base64, os, socket, sys, time
port = int(sys.argv[1])

def upgrade():
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: natter.v1\r\n\r\n" % key).encode())
    s.settimeout(5)
    try:
        d = s.recv(4096)
    except (ConnectionResetError, socket.timeout):
        d = b""
    return s, d.startswith(b"HTTP/1.1 101")

held = []
for i in range(8):
    s, ok = upgrade()
    assert ok, "connection %d under the cap refused" % i
    held.append(s)
s, ok = upgrade()
assert not ok, "a ninth connection was accepted"
s.close()
for s in held[:2]:
    s.close()
time.sleep(0.5)
s, ok = upgrade()
assert ok, "no room after two closed"
held.append(s)
print("cap ok")
for s in held:
    s.close()
PY
assert_eq "$(cat "$ROOT/cap")" "cap ok" "per-address cap"
wait_for 10 healthy || fail "natterd does not answer after the cap test"
[ "$(metric natter_connections_refused_total)" -ge 1 ] ||
    fail "refusals not counted"
still_serving peercap
pass
