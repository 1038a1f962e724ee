# server_crashloop_long: the crash loop with 25 kills per run and ten times
# the messages (CTest label long; scripts/test --long).
CRASH_KILLS=25 CRASH_SCALE=10
export CRASH_KILLS CRASH_SCALE
exec sh "$(dirname "$0")/../e2e/server_crashloop.sh"
