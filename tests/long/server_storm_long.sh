# server_storm_long: the reconnect storm with 2,000 devices (label long).
STORM_DEVICES=2000
export STORM_DEVICES
exec sh "$(dirname "$0")/../e2e/server_storm.sh"
