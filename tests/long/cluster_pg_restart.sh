#!/bin/sh
# cluster_pg_restart: the PostgreSQL phase of tests/cluster/cluster_restarts
# (PostgreSQL killed with kill -9 and started again while alice sends
# through node 1 to bob listening on node 2). In label long until a rare
# hang after the restart is fixed (issue 15's note).
CR_PHASES=postgres CR_NAME=cluster_pg_restart
. "$(dirname "$0")/../cluster/cluster_restarts.sh"
