# server_slowloris: connections that hold natterd's resources without
# talking: an HTTP upgrade sent one byte a second is dropped (lws's 10 s
# handshake timeout) and a WebSocket that never registers or authenticates
# is closed with 4002 after 10 s, while a normal conversation goes on and
# an authenticated idle connection stays open.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_slowloris
start_server

probe register idle-a >/dev/null || fail "register idle-a"
# An authenticated connection that idles past the login deadline.
probe -t 60 auth idle-a sleep 13000 ping >"$ROOT/idle" &
idle=$!
bg_track $idle

python3 - "$PORT" >"$ROOT/slow" 2>&1 <<'PY' &
import base64, os, socket, sys, threading, time
port = int(sys.argv[1])
out = {}

def slow_http(tag):
    # The upgrade request, one byte a second: never complete in 10 s.
    s = socket.create_connection(("127.0.0.1", port))
    req = (b"GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
    t0 = time.time()
    s.settimeout(1.0)
    for i in range(len(req)):
        try:
            s.send(req[i:i + 1])
            if s.recv(1, socket.MSG_PEEK) == b"":
                break
        except socket.timeout:
            continue
        except OSError:
            break
        if time.time() - t0 > 40:
            break
    out[tag] = "closed after %.0f s" % (time.time() - t0)

def no_login(tag):
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: natter.v1\r\n\r\n" % key).encode())
    t0 = time.time()
    s.settimeout(40)
    buf = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    # The last frame before EOF must be a close with status 4002.
    i = buf.rfind(b"\x88")
    code = buf[i + 2] << 8 | buf[i + 3] if i >= 0 and len(buf) >= i + 4 \
        else 0
    out[tag] = "closed %d after %.0f s" % (code, time.time() - t0)

ts = [threading.Thread(target=f, args=(f.__name__ + str(i),))
      for f in (slow_http, no_login) for i in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
for k in sorted(out):
    print(k, out[k])
PY
slow=$!
bg_track $slow

# A conversation keeps going meanwhile.
i=0
while kill -0 $slow 2>/dev/null && [ $i -lt 40 ]; do
	roundtrip "during-$i"
	i=$((i + 1))
	sleep 0.5
done
wait $slow || fail "slow clients: $(cat "$ROOT/slow")"
cat "$ROOT/slow"
for n in 0 1; do
	line=$(grep "^no_login$n " "$ROOT/slow") || fail "no_login$n: no result"
	case $line in
	*"closed 4002 after "9" s"|*"closed 4002 after 1"[0-3]" s") ;;
	*) fail "unauthenticated connection: $line" ;;
	esac
	line=$(grep "^slow_http$n " "$ROOT/slow") || fail "slow_http$n: no result"
	case $line in
	*"closed after "9" s"|*"closed after 1"[0-5]" s") ;;
	*) fail "slow handshake: $line" ;;
	esac
done
[ $i -ge 5 ] || fail "only $i round trips while the slow clients waited"
wait $idle || fail "idle authenticated connection: $(cat "$ROOT/idle")"
assert_eq "$(cat "$ROOT/idle")" "auth OK
ping OK" "an authenticated idle connection is not closed"
still_serving slowloris
pass
