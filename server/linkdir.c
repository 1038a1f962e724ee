/* linkdir: link offers across nodes, through the Redis directory.
 *
 * A new device offers its keys on whichever node haproxy gave it; device
 * 1 of the account it joins is usually on another. So the node that
 * takes an offer also writes it to Redis, as the hash link:FP (FP the
 * fingerprint in hex), expiring with the offer:
 *   node     the node holding the offering connection
 *   keys     the offer's public keys (dirmsg_keys_encode): nothing secret
 *   account  the account whose device 1 looked it up last, or "0"
 *   looker   the node that device 1 looked it up from
 *   relays   LinkRelays so far, both ways
 * and deletes it when the offer ends there. Every step after the offer
 * is one Lua script on the hash, so a check and what it allows happen in
 * one step in Redis' order, whichever node asks: the lookup records the
 * account and hands back the keys (kept here for the PublishDeviceList
 * that adds the device: linkdir_pending); a relay checks the account and
 * the count and PUBLISHes the payload to the holder's channel (from
 * device 1) or to the channel of device 1's node, found in dev:A:1 (from
 * the new device). The bounds and the answers are link.c's: an unknown,
 * expired or used offer answers UNKNOWN_USER whatever node asks.
 *
 * The holder learns that its offer was used from the node that took the
 * list ("linked"), sent only once that list is committed (durable.h), so
 * that the new device, told it is in, finds itself in the store when it
 * logs in. An offer made again on another node closes the older one
 * ("linkgone"), as on one node; the looker's copy of the keys goes when
 * the offer ends or another node looks it up ("linkdrop"), or expires.
 *
 * Requests wait for the scripts' answers on their fibers, so this is on
 * only with a store that waits (fiber.h); the wait is outside the
 * store's transaction (pgturn.h), which a slow Redis must not hold open.
 * A directory that is down answers at once, and linking then fails with
 * INTERNAL and a sentence saying why; the heartbeat of directory_redis.c
 * bounds a wait for a Redis that stops answering. Messages from other
 * nodes are decoded by dirmsg.c, which refuses anything malformed.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/directory.h"
#include "server/durable.h"
#include "server/fiber.h"
#include "server/linkdir.h"
#include "server/pgturn.h"
#include "server/prekeys.h"
#include "shared/proto/natter.pb-c.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define C(x)	NATTER__CODE__##x

#define LINKDIR_KEYMAX	(5 + 2 * DIRMSG_FPBYTES + 1)	/* "link:FP" */
#define LINKDIR_FPMSGMAX (9 + 2 * DIRMSG_FPBYTES + 1)	/* "linkgone FP" */
#define LINKDIR_CHAN	"'" DIRMSG_NODECHAN "' .. "

/* Answers of the relay scripts, as numbers. */
enum linkdir_verdict {
	LINKDIR_OK,
	LINKDIR_UNKNOWN,	/* no such offer, or not this account's */
	LINKDIR_TOO_MANY,	/* relays */
	LINKDIR_NOT_LOOKED,	/* no device 1 looked it up yet */
	LINKDIR_NOT_CONNECTED	/* that device 1 is on no node */
};

/*
 * The scripts: KEYS[1] is link:FP, ARGV[1] this node.
 *
 * offer: ARGV[2] the keys, ARGV[3] the lifetime (ms), ARGV[4] "linkgone
 * FP" for the node that held it before, ARGV[5] "linkdrop FP" for the
 * node that looked it up.
 */
static const char linkdir_offer_lua[] =
    "local h = redis.call('HMGET', KEYS[1], 'node', 'looker') "
    "if h[1] and h[1] ~= ARGV[1] then "
    "  redis.call('PUBLISH', " LINKDIR_CHAN "h[1], ARGV[4]) "
    "end "
    "if h[2] then redis.call('PUBLISH', " LINKDIR_CHAN "h[2], ARGV[5]) end "
    "redis.call('DEL', KEYS[1]) "
    "redis.call('HSET', KEYS[1], 'node', ARGV[1], 'keys', ARGV[2], "
    "    'account', '0', 'relays', '0') "
    "redis.call('PEXPIRE', KEYS[1], ARGV[3]) "
    "return 1";
/* ended: only while this node holds it; ARGV[2] "linkdrop FP". */
static const char linkdir_ended_lua[] =
    "local h = redis.call('HMGET', KEYS[1], 'node', 'looker') "
    "if h[1] ~= ARGV[1] then return 0 end "
    "if h[2] then redis.call('PUBLISH', " LINKDIR_CHAN "h[2], ARGV[2]) end "
    "redis.call('DEL', KEYS[1]) "
    "return 1";
/* lookup: ARGV[2] the account, ARGV[3] "linkdrop FP" for the node that
 * looked it up before, if another. Answers "MS KEYS", or nil. */
static const char linkdir_lookup_lua[] =
    "local h = redis.call('HMGET', KEYS[1], 'node', 'looker', 'keys') "
    "if not h[1] then return false end "
    "if h[2] and h[2] ~= ARGV[1] then "
    "  redis.call('PUBLISH', " LINKDIR_CHAN "h[2], ARGV[3]) "
    "end "
    "redis.call('HSET', KEYS[1], 'account', ARGV[2], 'looker', ARGV[1]) "
    "return tostring(redis.call('PTTL', KEYS[1])) .. ' ' .. h[3]";
/* relay from device 1: ARGV[2] its account, ARGV[3] the most relays,
 * ARGV[4] "FP PAYLOAD". */
static const char linkdir_primary_lua[] =
    "local h = redis.call('HMGET', KEYS[1], 'node', 'account', 'relays') "
    "if not h[1] or h[2] ~= ARGV[2] then return 1 end "
    "if tonumber(h[3]) >= tonumber(ARGV[3]) then return 2 end "
    "redis.call('HINCRBY', KEYS[1], 'relays', 1) "
    "redis.call('PUBLISH', " LINKDIR_CHAN "h[1], 'link ' .. ARGV[4]) "
    "return 0";
/* relay from the offer's connection: ARGV[2] the most relays, ARGV[3]
 * "FP PAYLOAD". */
static const char linkdir_new_lua[] =
    "local h = redis.call('HMGET', KEYS[1], 'node', 'account', 'relays') "
    "if h[1] ~= ARGV[1] then return 1 end "
    "if h[2] == '0' then return 3 end "
    "local at = redis.call('GET', 'dev:' .. h[2] .. ':1') "
    "if not at then return 4 end "
    "if tonumber(h[3]) >= tonumber(ARGV[2]) then return 2 end "
    "redis.call('HINCRBY', KEYS[1], 'relays', 1) "
    "redis.call('PUBLISH', " LINKDIR_CHAN "at, "
    "    'linkp ' .. h[2] .. ' ' .. ARGV[3]) "
    "return 0";
/* used: ARGV[2] the account, ARGV[3] "linked FP D NAME". */
static const char linkdir_used_lua[] =
    "local h = redis.call('HMGET', KEYS[1], 'node', 'account') "
    "if not h[1] or h[2] ~= ARGV[2] then return 0 end "
    "redis.call('PUBLISH', " LINKDIR_CHAN "h[1], ARGV[3]) "
    "redis.call('DEL', KEYS[1]) "
    "return 1";

/* The keys of an offer held elsewhere, looked up from here. */
struct linkdir_copy {
	uint8_t			 fp[DIRMSG_FPBYTES];
	uint8_t			 ik[DIRMSG_KEYBYTES];
	struct prekeys_upload	 keys;
	int64_t			 account;
	int64_t			 expires;	/* ms */
	TAILQ_ENTRY(linkdir_copy) entry;
};
TAILQ_HEAD(linkdir_copies, linkdir_copy);

/* A "linked" waiting for its list's commit. */
struct linkdir_used {
	uint64_t		 gen;
	char			 key[LINKDIR_KEYMAX];
	char			 account[24];
	char			 msg[DIRMSG_LINKMAX];
	size_t			 len;
	TAILQ_ENTRY(linkdir_used) entry;
};
TAILQ_HEAD(linkdir_useds, linkdir_used);

/* A request's wait for a script's answer. */
struct linkdir_wait {
	struct fiber		*fiber;
	int			 done;
	int			 waiting;
	enum directory_reply_type type;
	long long		 integer;
	char			*str;
	size_t			 len;
};

static struct directory		*linkdir_dir;
static struct linkdir_hooks	 linkdir_hooks;
static struct linkdir_limits	 linkdir_limits;
static struct linkdir_copies	 linkdir_copies =
    TAILQ_HEAD_INITIALIZER(linkdir_copies);
static size_t			 linkdir_ncopies;
static struct linkdir_useds	 linkdir_useds =
    TAILQ_HEAD_INITIALIZER(linkdir_useds);

static void	linkdir_copy_free(struct linkdir_copy *);

static const char linkdir_down[] =
    "linking goes through the nodes' directory, which is unreachable "
    "just now; try again shortly";

/* Let go of the copies and of what waits to be sent. */
static void
linkdir_clear(void)
{
	struct linkdir_used	*u;

	while (!TAILQ_EMPTY(&linkdir_copies))
		linkdir_copy_free(TAILQ_FIRST(&linkdir_copies));
	while ((u = TAILQ_FIRST(&linkdir_useds)) != NULL) {
		TAILQ_REMOVE(&linkdir_useds, u, entry);
		free(u);
	}
}

void
linkdir_start(struct directory *d, const struct linkdir_hooks *hooks,
    const struct linkdir_limits *limits)
{
	linkdir_dir = NULL;
	linkdir_clear();
	if (d == NULL || !directory_can_eval(d) || !fiber_enabled())
		return;
	linkdir_dir = d;
	linkdir_hooks = *hooks;
	linkdir_limits = *limits;
}

int
linkdir_on(void)
{
	return (linkdir_dir != NULL);
}

/* "link:FP" into key[LINKDIR_KEYMAX]. */
static void
linkdir_key(char key[LINKDIR_KEYMAX], const uint8_t fp[DIRMSG_FPBYTES])
{
	char	msg[LINKDIR_FPMSGMAX];

	/* "x FP": the hex, from the one encoder. */
	(void)dirmsg_link_fp(msg, sizeof msg, "x", fp);
	memcpy(key, "link:", 5);
	memcpy(key + 5, msg + 2, 2 * DIRMSG_FPBYTES);
	key[5 + 2 * DIRMSG_FPBYTES] = '\0';
}

/* The answer of a script nobody waits for. */
static void
linkdir_checked(const struct directory_reply *rep, void *arg)
{
	if (rep->type == DIRECTORY_REPLY_ERROR)
		log_warn("link directory: a script failed: %.*s",
		    (int)(rep->len > 200 ? 200 : rep->len), rep->str);
}

/* Run script on fp's hash, not waiting: 0, or -1 if the directory is
 * down. */
static int
linkdir_send(const char *script, const uint8_t fp[DIRMSG_FPBYTES], int argc,
    const char **argv, const size_t *argvlen)
{
	char	key[LINKDIR_KEYMAX];

	if (linkdir_dir == NULL)
		return (-1);
	linkdir_key(key, fp);
	return (directory_eval(linkdir_dir, script, key, argc, argv, argvlen,
	    linkdir_checked, NULL));
}

static void
linkdir_woken(const struct directory_reply *rep, void *arg)
{
	struct linkdir_wait	*w = arg;

	w->type = rep->type;
	w->integer = rep->integer;
	if (rep->str != NULL) {
		w->str = xmalloc(rep->len + 1);
		memcpy(w->str, rep->str, rep->len);
		w->str[rep->len] = '\0';
		w->len = rep->len;
	}
	w->done = 1;
	if (w->waiting)
		fiber_wake(w->fiber);
}

/* Run script on fp's hash and wait for its answer in *w (w->str is the
 * caller's to free): 0, or -1 if the directory is down. The request
 * leaves the store's transaction meanwhile. */
static int
linkdir_call(const char *script, const uint8_t fp[DIRMSG_FPBYTES], int argc,
    const char **argv, const size_t *argvlen, struct linkdir_wait *w)
{
	char	key[LINKDIR_KEYMAX];

	memset(w, 0, sizeof *w);
	if (linkdir_dir == NULL || fiber_self() == NULL)
		return (-1);
	linkdir_key(key, fp);
	w->fiber = fiber_self();
	if (directory_eval(linkdir_dir, script, key, argc, argv, argvlen,
	    linkdir_woken, w) != 0)
		return (-1);
	pgturn_leave();
	while (!w->done) {
		w->waiting = 1;
		fiber_wait();
		w->waiting = 0;
	}
	pgturn_enter(PGTURN_SHARED);
	if (w->type == DIRECTORY_REPLY_ERROR)
		linkdir_checked(&(struct directory_reply){ w->type, 0, w->str,
		    w->len }, NULL);
	return (0);
}

int
linkdir_offer(const uint8_t fp[DIRMSG_FPBYTES],
    const uint8_t ik[DIRMSG_KEYBYTES], const struct prekeys_upload *keys,
    int64_t ttl_ms)
{
	uint8_t		*blob = xmalloc(DIRMSG_KEYSMAX);
	char		 ttl[24], gone[LINKDIR_FPMSGMAX];
	char		 drop[LINKDIR_FPMSGMAX];
	const char	*argv[4];
	size_t		 argvlen[4];
	int		 rc = -1;

	argvlen[0] = dirmsg_keys_encode(blob, DIRMSG_KEYSMAX, ik, keys);
	argvlen[1] = (size_t)snprintf(ttl, sizeof ttl, "%lld",
	    (long long)ttl_ms);
	argvlen[2] = dirmsg_link_fp(gone, sizeof gone, "linkgone", fp);
	argvlen[3] = dirmsg_link_fp(drop, sizeof drop, "linkdrop", fp);
	argv[0] = (const char *)blob;
	argv[1] = ttl;
	argv[2] = gone;
	argv[3] = drop;
	if (argvlen[0] != 0)
		rc = linkdir_send(linkdir_offer_lua, fp, 4, argv, argvlen);
	free(blob);
	return (rc);
}

void
linkdir_ended(const uint8_t fp[DIRMSG_FPBYTES])
{
	char		 drop[LINKDIR_FPMSGMAX];
	const char	*argv[1] = { drop };
	size_t		 argvlen[1];

	argvlen[0] = dirmsg_link_fp(drop, sizeof drop, "linkdrop", fp);
	(void)linkdir_send(linkdir_ended_lua, fp, 1, argv, argvlen);
}

static struct linkdir_copy *
linkdir_copy_find(const uint8_t fp[DIRMSG_FPBYTES])
{
	struct linkdir_copy	*c;

	TAILQ_FOREACH(c, &linkdir_copies, entry) {
		if (memcmp(c->fp, fp, DIRMSG_FPBYTES) == 0)
			return (c);
	}
	return (NULL);
}

static void
linkdir_copy_free(struct linkdir_copy *c)
{
	TAILQ_REMOVE(&linkdir_copies, c, entry);
	linkdir_ncopies--;
	free(c->keys.opks);
	free(c);
}

static void
linkdir_drop(const uint8_t fp[DIRMSG_FPBYTES])
{
	struct linkdir_copy	*c;

	if ((c = linkdir_copy_find(fp)) != NULL)
		linkdir_copy_free(c);
}

/* Keep what a lookup answered, s[0..len): OK, or a Code. */
static uint32_t
linkdir_keep(const uint8_t fp[DIRMSG_FPBYTES], int64_t account,
    const char *s, size_t len, const char **why)
{
	struct linkdir_copy	*c;
	struct prekeys_upload	 keys;
	uint8_t			 ik[DIRMSG_KEYBYTES];
	const char		*blob;
	size_t			 bloblen;
	int64_t			 ms;

	if (dirmsg_link_found(s, len, &ms, &blob, &bloblen) != 0 ||
	    dirmsg_keys_decode((const uint8_t *)blob, bloblen, ik,
	    &keys) != 0) {
		log_warn("link directory: a lookup's answer is malformed");
		*why = linkdir_down;
		return (C(INTERNAL));
	}
	linkdir_drop(fp);
	c = xcalloc(1, sizeof *c);
	memcpy(c->fp, fp, DIRMSG_FPBYTES);
	memcpy(c->ik, ik, DIRMSG_KEYBYTES);
	c->keys = keys;
	c->account = account;
	c->expires = time_now_ms() + ms;
	TAILQ_INSERT_TAIL(&linkdir_copies, c, entry);
	linkdir_ncopies++;
	return (C(OK));
}

uint32_t
linkdir_lookup(const uint8_t fp[DIRMSG_FPBYTES], int64_t account,
    uint8_t ik[DIRMSG_KEYBYTES], const char **why)
{
	struct linkdir_wait	 w;
	char			 acct[24], drop[LINKDIR_FPMSGMAX];
	const char		*argv[2] = { acct, drop };
	size_t			 argvlen[2];
	uint32_t		 code;

	if (linkdir_copy_find(fp) == NULL &&
	    linkdir_ncopies >= linkdir_limits.maxoffers) {
		*why = "too many devices are waiting to be linked on this "
		    "server; try again in a few minutes";
		return (C(RATE_LIMITED));
	}
	argvlen[0] = (size_t)snprintf(acct, sizeof acct, "%lld",
	    (long long)account);
	argvlen[1] = dirmsg_link_fp(drop, sizeof drop, "linkdrop", fp);
	if (linkdir_call(linkdir_lookup_lua, fp, 2, argv, argvlen, &w) != 0 ||
	    w.type == DIRECTORY_REPLY_LOST || w.type == DIRECTORY_REPLY_ERROR) {
		free(w.str);
		*why = linkdir_down;
		return (C(INTERNAL));
	}
	if (w.type != DIRECTORY_REPLY_STRING) {
		free(w.str);
		linkdir_drop(fp);
		*why = "no pending link with that code (expired, used, or "
		    "never made)";
		return (C(UNKNOWN_USER));
	}
	code = linkdir_keep(fp, account, w.str, w.len, why);
	free(w.str);
	if (code == C(OK))
		memcpy(ik, linkdir_copy_find(fp)->ik, DIRMSG_KEYBYTES);
	return (code);
}

/* A relay script's verdict as a Code. */
static uint32_t
linkdir_verdict(const struct linkdir_wait *w, const char **why)
{
	if (w->type != DIRECTORY_REPLY_INTEGER) {
		*why = linkdir_down;
		return (C(INTERNAL));
	}
	switch (w->integer) {
	case LINKDIR_OK:
		return (C(OK));
	case LINKDIR_TOO_MANY:
		*why = "too many relays for this link; start again";
		return (C(RATE_LIMITED));
	case LINKDIR_NOT_LOOKED:
		*why = "no device has looked this link up yet";
		return (C(UNKNOWN_USER));
	case LINKDIR_NOT_CONNECTED:
		*why = "the device approving this link is not connected";
		return (C(UNKNOWN_USER));
	default:
		*why = "no pending link with that code (expired, used, or "
		    "never made)";
		return (C(UNKNOWN_USER));
	}
}

/* Run a relay script whose last argument is "FP PAYLOAD". */
static uint32_t
linkdir_relay(const char *script, const uint8_t fp[DIRMSG_FPBYTES],
    const char **argv, size_t *argvlen, int argc, const uint8_t *payload,
    size_t len, const char **why)
{
	struct linkdir_wait	 w;
	char			*tail = xmalloc(DIRMSG_LINKMAX);
	uint32_t		 code;

	argv[argc - 1] = tail;
	argvlen[argc - 1] = dirmsg_link_tail(tail, DIRMSG_LINKMAX, fp,
	    payload, len);
	if (argvlen[argc - 1] == 0) {
		free(tail);
		*why = "a link relay carries at most 1024 bytes";
		return (C(TOO_LARGE));
	}
	if (linkdir_call(script, fp, argc, argv, argvlen, &w) != 0) {
		free(tail);
		*why = linkdir_down;
		return (C(INTERNAL));
	}
	code = linkdir_verdict(&w, why);
	free(w.str);
	free(tail);
	return (code);
}

uint32_t
linkdir_relay_primary(const uint8_t fp[DIRMSG_FPBYTES], int64_t account,
    const uint8_t *payload, size_t len, const char **why)
{
	char		 acct[24], max[16];
	const char	*argv[3] = { acct, max, NULL };
	size_t		 argvlen[3];

	argvlen[0] = (size_t)snprintf(acct, sizeof acct, "%lld",
	    (long long)account);
	argvlen[1] = (size_t)snprintf(max, sizeof max, "%u",
	    linkdir_limits.maxrelays);
	return (linkdir_relay(linkdir_primary_lua, fp, argv, argvlen, 3,
	    payload, len, why));
}

uint32_t
linkdir_relay_new(const uint8_t fp[DIRMSG_FPBYTES], const uint8_t *payload,
    size_t len, const char **why)
{
	char		 max[16];
	const char	*argv[2] = { max, NULL };
	size_t		 argvlen[2];

	argvlen[0] = (size_t)snprintf(max, sizeof max, "%u",
	    linkdir_limits.maxrelays);
	return (linkdir_relay(linkdir_new_lua, fp, argv, argvlen, 2, payload,
	    len, why));
}

const struct prekeys_upload *
linkdir_pending(const uint8_t fp[DIRMSG_FPBYTES], int64_t account,
    const uint8_t **ik)
{
	struct linkdir_copy	*c = linkdir_copy_find(fp);

	if (c == NULL || c->account != account ||
	    c->expires <= time_now_ms())
		return (NULL);
	*ik = c->ik;
	return (&c->keys);
}

int
linkdir_used(const uint8_t fp[DIRMSG_FPBYTES], int64_t account,
    const char *name, uint32_t device, int here)
{
	struct linkdir_copy	*c = linkdir_copy_find(fp);
	struct linkdir_used	*u;

	if (linkdir_dir == NULL)
		return (0);
	/* The copy may have gone while the list was written (another
	 * lookup): Redis' account decides, as the offer's did on one node. */
	if (c != NULL)
		linkdir_copy_free(c);
	if (here)
		return (1);	/* its end deletes the hash */
	/* One per list that adds a device, until its commit. */
	u = xcalloc(1, sizeof *u);
	u->gen = durable_gen();
	linkdir_key(u->key, fp);
	snprintf(u->account, sizeof u->account, "%lld", (long long)account);
	u->len = dirmsg_link_used(u->msg, sizeof u->msg, fp, device, name);
	if (u->len == 0) {
		log_warn("link directory: cannot tell %s/%u that it is linked",
		    name, device);
		free(u);
		return (1);
	}
	TAILQ_INSERT_TAIL(&linkdir_useds, u, entry);
	return (1);
}

void
linkdir_release(void)
{
	struct linkdir_used	*u;
	const char		*argv[2];
	size_t			 argvlen[2];

	while ((u = TAILQ_FIRST(&linkdir_useds)) != NULL &&
	    u->gen <= durable_synced()) {
		TAILQ_REMOVE(&linkdir_useds, u, entry);
		argv[0] = u->account;
		argvlen[0] = strlen(u->account);
		argv[1] = u->msg;
		argvlen[1] = u->len;
		if (linkdir_dir == NULL || directory_eval(linkdir_dir,
		    linkdir_used_lua, u->key, 2, argv, argvlen,
		    linkdir_checked, NULL) != 0)
			log_warn("link directory: unreachable; a linked "
			    "device is not told so (it times out and can "
			    "log in)");
		free(u);
	}
}

void
linkdir_expire(int64_t now)
{
	struct linkdir_copy	*c, *next;

	for (c = TAILQ_FIRST(&linkdir_copies); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->expires <= now)
			linkdir_copy_free(c);
	}
	linkdir_release();
}

void
linkdir_message(const char *s, size_t len)
{
	static struct dirmsg_link	 m;	/* 1 kB of payload: not on a
						   fiber's stack */

	if (linkdir_dir == NULL)
		return;
	switch (dirmsg_link_parse(s, len, &m)) {
	case DIRMSG_LINK_RELAY:
		linkdir_hooks.relay(m.fp, m.payload, m.payloadlen);
		break;
	case DIRMSG_LINK_PRIMARY:
		linkdir_hooks.primary(m.account, m.fp, m.payload,
		    m.payloadlen);
		break;
	case DIRMSG_LINK_USED:
		linkdir_hooks.used(m.fp, m.name, m.device);
		break;
	case DIRMSG_LINK_GONE:
		linkdir_hooks.gone(m.fp);
		break;
	case DIRMSG_LINK_DROP:
		linkdir_drop(m.fp);
		break;
	case DIRMSG_LINK_BAD:
		log_warn("link directory: ignored a malformed message "
		    "(%zu bytes)", len);
		break;
	}
}
