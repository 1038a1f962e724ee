/* pgschema: the PostgreSQL store's schema, versioned like db.c's.
 *
 * The same tables as the SQLite store (db.c), in PostgreSQL's words,
 * plus what a single natterd keeps in memory and several nodes must
 * share: queue depths per device (queue_depths) and a group body's
 * count of references (group_bodies.refs). Account ids and queue
 * sequence numbers come from identity columns; a queue row's seq only
 * orders one device's rows, so a gap or a number taken by a rolled back
 * transaction is harmless. Every table a device's rows live in leads
 * with (account, device), the key a partitioning by account would use
 * (docs/scaling.md). pg.c applies the scripts in order, each once, under
 * an advisory lock. */
#include <stddef.h>

#include "server/pgschema.h"

const char *const pgschema_migrations[] = {
	/* 1: everything db.c's migrations 1-7 hold, and the shared
	 * counters. */
	"CREATE TABLE accounts ("
	"  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  name text NOT NULL UNIQUE,"
	"  created bigint NOT NULL);"
	"CREATE TABLE devices ("
	"  account bigint NOT NULL REFERENCES accounts (id),"
	"  device integer NOT NULL,"
	"  identity_key bytea NOT NULL,"
	"  spk_id bigint, spk bytea, spk_sig bytea,"
	"  PRIMARY KEY (account, device));"
	"CREATE TABLE opks ("
	"  account bigint NOT NULL, device integer NOT NULL,"
	"  id bigint NOT NULL, key bytea NOT NULL,"
	"  PRIMARY KEY (account, device, id));"
	"CREATE TABLE queue ("
	"  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  account bigint NOT NULL, device integer NOT NULL,"
	"  from_account bigint NOT NULL, from_name text NOT NULL,"
	"  from_device integer NOT NULL,"
	"  message_id bytea NOT NULL, type integer NOT NULL,"
	"  content bytea, server_ts bigint NOT NULL,"
	"  expires bigint NOT NULL, receipt integer NOT NULL DEFAULT 0,"
	"  body bigint);"
	"CREATE INDEX queue_by_device ON queue (account, device, seq);"
	"CREATE INDEX queue_by_expiry ON queue (expires) WHERE body IS NULL;"
	"CREATE TABLE queue_depths ("
	"  account bigint NOT NULL, device integer NOT NULL,"
	"  n bigint NOT NULL,"
	"  PRIMARY KEY (account, device));"
	"CREATE TABLE sent ("
	"  account bigint NOT NULL, device integer NOT NULL,"
	"  message_id bytea NOT NULL, server_ts bigint NOT NULL,"
	"  expires bigint NOT NULL,"
	"  PRIMARY KEY (account, device, message_id));"
	"CREATE INDEX sent_by_expiry ON sent (expires);"
	"CREATE TABLE device_lists ("
	"  account bigint PRIMARY KEY REFERENCES accounts (id),"
	"  version bigint NOT NULL,"
	"  list bytea NOT NULL);"
	"CREATE TABLE removed_devices ("
	"  account bigint NOT NULL, device integer NOT NULL,"
	"  removed bigint NOT NULL,"
	"  PRIMARY KEY (account, device));"
	"CREATE TABLE assets ("
	"  id text PRIMARY KEY,"
	"  size bigint NOT NULL,"
	"  expires bigint NOT NULL);"
	"CREATE INDEX assets_by_expiry ON assets (expires);"
	"CREATE TABLE groups ("
	"  gid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  id bytea NOT NULL UNIQUE,"
	"  name text NOT NULL UNIQUE,"
	"  created bigint NOT NULL,"
	"  epoch bigint NOT NULL);"
	"CREATE TABLE group_members ("
	"  gid bigint NOT NULL, account bigint NOT NULL,"
	"  admin integer NOT NULL, added bigint NOT NULL,"
	"  PRIMARY KEY (gid, account));"
	"CREATE INDEX group_members_by_account ON group_members (account);"
	"CREATE TABLE group_bodies ("
	"  body bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  group_id bytea NOT NULL,"
	"  from_account bigint NOT NULL, from_name text NOT NULL,"
	"  from_device integer NOT NULL, message_id bytea NOT NULL,"
	"  type integer NOT NULL, content bytea,"
	"  server_ts bigint NOT NULL, expires bigint NOT NULL,"
	"  refs bigint NOT NULL);"
	"CREATE INDEX group_bodies_by_expiry ON group_bodies (expires);",
};

const size_t pgschema_nmigrations =
    sizeof pgschema_migrations / sizeof pgschema_migrations[0];
