#!/bin/sh
# cluster_pg_restart: the PostgreSQL phase of tests/cluster/cluster_restarts
# (PostgreSQL killed with kill -9 and started again while alice sends
# through node 1 to bob listening on node 2), a test of its own so that
# the two outages run side by side.
CR_PHASES=postgres CR_NAME=cluster_pg_restart
. "$(dirname "$0")/cluster_restarts.sh"
