/* probe_group: natter-probe's steps about groups.
 *
 * Users on the command line: "-" for none, NAME[,NAME...], and
 * PREFIX-A..B for PREFIX-A to PREFIX-B (the accounts regmany makes).
 * The probe learns each group's id from every GroupInfo it sees (answers
 * and changes) and keeps it in the key directory (group-NAME.id), so
 * later steps and later runs name groups by name. A GroupSend's
 * devices_hash is learnt the way a client learns it: from the
 * DEVICE_MISMATCH answer's device set. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/proto/wire.h"
#include "shared/util/hex.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"
#include "tests/tools/probe.h"

#define PG_MAXGROUPS	64
#define PG_MAXUSERS	2048
#define PG_SHOWN	16	/* members printed by name up to this */

struct pg_group {
	char	name[33];
	uint8_t	id[16];
	uint8_t	hash[32];
	int	has_hash;
};

static struct pg_group	pg_groups[PG_MAXGROUPS];
static size_t		pg_ngroups;

static const char *const pg_changes[] = {
	"?", "created", "added", "removed", "left", "renamed", "admin"
};

static struct pg_group *
pg_by_id(const uint8_t *id)
{
	size_t	i;

	for (i = 0; i < pg_ngroups; i++) {
		if (memcmp(pg_groups[i].id, id, 16) == 0)
			return (&pg_groups[i]);
	}
	return (NULL);
}

static struct pg_group *
pg_by_name(const char *name)
{
	size_t	i;

	for (i = 0; i < pg_ngroups; i++) {
		if (strcmp(pg_groups[i].name, name) == 0)
			return (&pg_groups[i]);
	}
	return (NULL);
}

static const char	*pg_keydir = ".";

void
probe_group_init(const char *keydir)
{
	pg_keydir = keydir;
}

/* Record (name, id) in memory and in the key directory. */
static void
pg_remember(const char *name, const uint8_t *id)
{
	struct pg_group	*g;
	char		*path, hex[33];
	FILE		*fp;

	if ((g = pg_by_id(id)) == NULL) {
		if (pg_ngroups == PG_MAXGROUPS)
			return;
		g = &pg_groups[pg_ngroups++];
		memcpy(g->id, id, 16);
	}
	snprintf(g->name, sizeof g->name, "%s", name);
	xasprintf(&path, "%s/group-%s.id", pg_keydir, name);
	if ((fp = fopen(path, "w")) != NULL) {
		hex_encode(hex, id, 16);
		fprintf(fp, "%s\n", hex);
		fclose(fp);
	}
	free(path);
}

static struct pg_group	*pg_recall(const char *);

/* Every group an earlier run saw (the key directory's group-*.id). */
static void
pg_recall_all(void)
{
	static int	 done;
	DIR		*d;
	struct dirent	*e;
	char		 name[64];
	size_t		 len;

	if (done || (d = opendir(pg_keydir)) == NULL)
		return;
	done = 1;
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (strncmp(e->d_name, "group-", 6) != 0 || len < 10 ||
		    len - 9 >= sizeof name ||
		    strcmp(e->d_name + len - 3, ".id") != 0)
			continue;
		memcpy(name, e->d_name + 6, len - 9);
		name[len - 9] = '\0';
		if (pg_by_name(name) == NULL)
			(void)pg_recall(name);
	}
	closedir(d);
}

/* Remember what gi says: the group's id under its (new) name. */
static void
pg_learn(const Natter__GroupInfo *gi)
{
	if (gi != NULL && gi->id.len == 16 && gi->name != NULL)
		pg_remember(gi->name, gi->id.data);
}

/* The id of name from the key directory, if an earlier run saw it. */
static struct pg_group *
pg_recall(const char *name)
{
	char	*path, hex[64];
	uint8_t	 id[16];
	FILE	*fp;
	int	 ok = 0;

	xasprintf(&path, "%s/group-%s.id", pg_keydir, name);
	if ((fp = fopen(path, "r")) != NULL) {
		ok = fgets(hex, sizeof hex, fp) != NULL;
		fclose(fp);
	}
	free(path);
	hex[strcspn(hex, "\n")] = '\0';
	if (!ok || hex_decode(id, sizeof id, hex) != 0)
		return (NULL);
	pg_remember(name, id);
	return (pg_by_name(name));
}

static void
pg_print_names(const char *label, char **names, size_t n)
{
	size_t	i;

	printf(" %s=", label);
	if (n > PG_SHOWN) {
		printf("#%zu", n);
		return;
	}
	for (i = 0; i < n; i++)
		printf("%s%s", i ? "," : "", names[i]);
	if (n == 0)
		printf("-");
}

static void
pg_print_info(const Natter__GroupInfo *gi)
{
	printf(" %s e=%llu", gi->name, (unsigned long long)gi->epoch);
	pg_print_names("m", gi->members, gi->n_members);
	pg_print_names("a", gi->admins, gi->n_admins);
}

void
probe_group_print(const Natter__Delivery *d)
{
	struct pg_group	*g;
	Natter__GroupChange *c = d->change;

	if (d->type == 4 && c != NULL) {
		pg_learn(c->group);
		printf("gchange %s %s by=%s", c->group != NULL ?
		    c->group->name : "?", c->change < 7 ?
		    pg_changes[c->change] : "?", c->by);
		pg_print_names("u", c->users, c->n_users);
		if (c->group != NULL) {
			printf(" e=%llu", (unsigned long long)c->group->epoch);
			pg_print_names("m", c->group->members,
			    c->group->n_members);
			pg_print_names("a", c->group->admins,
			    c->group->n_admins);
		}
		printf("\n");
		return;
	}
	g = NULL;
	if (d->group.len == 16 && (g = pg_by_id(d->group.data)) == NULL) {
		pg_recall_all();
		g = pg_by_id(d->group.data);
	}
	if (d->content.len > 64)
		printf("gmsg %s %s %u #%zu bytes\n", g != NULL ? g->name : "?",
		    d->from, d->from_device, d->content.len);
	else
		printf("gmsg %s %s %u %.*s\n", g != NULL ? g->name : "?",
		    d->from, d->from_device, (int)d->content.len,
		    (const char *)d->content.data);
}

/* Users from spec (see the top): names (caller frees each) in out. */
static size_t
pg_users(const char *spec, char **out, size_t max)
{
	char	*buf = xstrdup(spec), *tok, *save, *dots, *dash;
	long	 a, b;
	size_t	 n = 0;

	for (tok = strtok_r(buf, ",", &save); tok != NULL && n < max;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "-") == 0)
			continue;
		if ((dots = strstr(tok, "..")) != NULL &&
		    (dash = strrchr(tok, '-')) != NULL && dash < dots) {
			*dots = '\0';
			a = atol(dash + 1);
			b = atol(dots + 2);
			dash[0] = '\0';
			for (; a <= b && n < max; a++)
				xasprintf(&out[n++], "%s-%ld", tok, a);
			continue;
		}
		out[n++] = xstrdup(tok);
	}
	free(buf);
	return (n);
}

static uint32_t
pg_op_number(const char *op)
{
	uint32_t	i;

	for (i = 1; i < 7; i++) {
		if (strcmp(op, pg_changes[i]) == 0)
			return (i);
	}
	if (strcmp(op, "create") == 0)
		return (1);
	if (strcmp(op, "add") == 0)
		return (2);
	if (strcmp(op, "remove") == 0)
		return (3);
	if (strcmp(op, "leave") == 0)
		return (4);
	if (strcmp(op, "rename") == 0)
		return (5);
	return ((uint32_t)atoi(op));
}

/* Print a group answer: "LABEL CODE [group...] [(message)]". */
static void
pg_print_response(const char *label, const Natter__Response *r)
{
	size_t	i;

	printf("%s %s", label, probe_code(r->code));
	for (i = 0; i < r->n_groups; i++) {
		pg_learn(r->groups[i]);
		pg_print_info(r->groups[i]);
	}
	if (r->code != 0 && r->message != NULL && *r->message != '\0')
		printf(" (%s)", r->message);
	printf("\n");
}

/* gop OP GROUP [USERS [NEW_NAME]] */
static int
step_gop(struct probe *p, int argc, char **argv)
{
	Natter__Frame	 f = NATTER__FRAME__INIT, *r;
	Natter__GroupOp	 op = NATTER__GROUP_OP__INIT;
	char		*users[PG_MAXUSERS];
	size_t		 n = 0, i;

	if (argc > 3)
		n = pg_users(argv[3], users, PG_MAXUSERS);
	op.op = pg_op_number(argv[1]);
	op.group = argv[2];
	op.n_users = n;
	op.users = users;
	op.new_name = argc > 4 ? argv[4] : NULL;
	f.body_case = NATTER__FRAME__BODY_GROUP_OP;
	f.group_op = &op;
	r = probe_request(p, &f);
	for (i = 0; i < n; i++)
		free(users[i]);
	if (r == NULL)
		return (-1);
	pg_print_response("gop", r->response);
	wire_free(r);
	return (0);
}

/* gquery [GROUP] */
static int
step_gquery(struct probe *p, int argc, char **argv)
{
	Natter__Frame		f = NATTER__FRAME__INIT, *r;
	Natter__GroupQuery	q = NATTER__GROUP_QUERY__INIT;

	q.group = argc > 1 ? argv[1] : NULL;
	f.body_case = NATTER__FRAME__BODY_GROUP_QUERY;
	f.group_query = &q;
	if ((r = probe_request(p, &f)) == NULL)
		return (-1);
	pg_print_response("gquery", r->response);
	wire_free(r);
	return (0);
}

/* The hash of a DEVICE_MISMATCH answer's device set, as the client
 * computes it (the set comes sorted). */
static void
pg_hash_devices(const Natter__Response *r, uint8_t out[32])
{
	crypto_hash_sha256_state	st;
	uint8_t				b[4], len;
	size_t				i;

	crypto_hash_sha256_init(&st);
	for (i = 0; i < r->n_devices; i++) {
		len = (uint8_t)strlen(r->devices[i]->name);
		crypto_hash_sha256_update(&st, &len, 1);
		crypto_hash_sha256_update(&st,
		    (const uint8_t *)r->devices[i]->name, len);
		b[0] = (uint8_t)(r->devices[i]->device >> 24);
		b[1] = (uint8_t)(r->devices[i]->device >> 16);
		b[2] = (uint8_t)(r->devices[i]->device >> 8);
		b[3] = (uint8_t)r->devices[i]->device;
		crypto_hash_sha256_update(&st, b, 4);
	}
	crypto_hash_sha256_final(&st, out);
}

/* A GroupSend of content to g with id and hash. */
static Natter__Frame *
pg_send(struct probe *p, const uint8_t *gid, const uint8_t *hash,
    const uint8_t *id, const char *text)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	Natter__GroupSend	m = NATTER__GROUP_SEND__INIT;

	m.message_id.data = (uint8_t *)id;
	m.message_id.len = 16;
	m.group.data = (uint8_t *)gid;
	m.group.len = 16;
	m.devices_hash.data = (uint8_t *)hash;
	m.devices_hash.len = 32;
	m.content.data = (uint8_t *)text;
	m.content.len = strlen(text);
	f.body_case = NATTER__FRAME__BODY_GROUP_SEND;
	f.group_send = &m;
	return (probe_request(p, &f));
}

/* The probe's record of group name, asking natterd if it has none. */
static struct pg_group *
pg_find(struct probe *p, const char *name)
{
	Natter__Frame		f = NATTER__FRAME__INIT, *r;
	Natter__GroupQuery	q = NATTER__GROUP_QUERY__INIT;

	if (pg_by_name(name) != NULL)
		return (pg_by_name(name));
	if (pg_recall(name) != NULL)
		return (pg_by_name(name));
	q.group = (char *)name;
	f.body_case = NATTER__FRAME__BODY_GROUP_QUERY;
	f.group_query = &q;
	if ((r = probe_request(p, &f)) == NULL)
		return (NULL);
	if (r->response->n_groups > 0)
		pg_learn(r->response->groups[0]);
	wire_free(r);
	return (pg_by_name(name));
}

/* Send text to g with id; on DEVICE_MISMATCH learn the hash and send
 * again. The answer, or NULL when the connection failed. */
static Natter__Frame *
pg_send_fixed(struct probe *p, struct pg_group *g, const uint8_t *id,
    const char *text)
{
	Natter__Frame	*r;

	r = pg_send(p, g->id, g->hash, id, text);
	if (r == NULL ||
	    r->response->code != NATTER__CODE__DEVICE_MISMATCH)
		return (r);
	pg_hash_devices(r->response, g->hash);
	g->has_hash = 1;
	wire_free(r);
	return (pg_send(p, g->id, g->hash, id, text));
}

static void
pg_print_send(const char *label, const Natter__Response *r)
{
	printf("%s %s", label, probe_code(r->code));
	if (r->code == 0)
		printf(" ts=%lld", (long long)r->server_ts);
	else if (r->message != NULL && *r->message != '\0')
		printf(" (%s)", r->message);
	printf("\n");
}

/* gsend GROUP TEXT [IDHEX]: with the right hash (learnt if need be). */
static int
step_gsend(struct probe *p, int argc, char **argv)
{
	struct pg_group	*g;
	Natter__Frame	*r;
	uint8_t		 id[16];

	if ((g = pg_find(p, argv[1])) == NULL) {
		printf("gsend UNKNOWN_GROUP (the probe never saw %s)\n",
		    argv[1]);
		return (0);
	}
	if (argc < 4 || hex_decode(id, sizeof id, argv[3]) != 0)
		randombytes_buf(id, sizeof id);
	if ((r = pg_send_fixed(p, g, id, argv[2])) == NULL)
		return (-1);
	pg_print_send("gsend", r->response);
	wire_free(r);
	return (0);
}

/* gsendx GROUP TEXT: with a wrong hash; print the DEVICE_MISMATCH
 * answer's device set and group. */
static int
step_gsendx(struct probe *p, int argc, char **argv)
{
	struct pg_group	*g;
	Natter__Frame	*r;
	uint8_t		 id[16], zero[32];
	size_t		 i;

	if ((g = pg_find(p, argv[1])) == NULL) {
		printf("gsendx UNKNOWN_GROUP\n");
		return (0);
	}
	randombytes_buf(id, sizeof id);
	memset(zero, 0, sizeof zero);
	if ((r = pg_send(p, g->id, zero, id, argv[2])) == NULL)
		return (-1);
	printf("gsendx %s devices=", probe_code(r->response->code));
	for (i = 0; i < r->response->n_devices; i++)
		printf("%s%s:%u", i ? "," : "", r->response->devices[i]->name,
		    r->response->devices[i]->device);
	if (r->response->n_groups > 0)
		pg_print_info(r->response->groups[0]);
	printf("\n");
	wire_free(r);
	return (0);
}

/* One malformed group frame of kind k into f (buffers in bufs). */
static int
pg_bad_frame(const char *k, Natter__Frame *f, Natter__GroupOp *op,
    Natter__GroupSend *gs, char **users, uint8_t *buf)
{
	size_t	i;

	f->body_case = NATTER__FRAME__BODY_GROUP_OP;
	f->group_op = op;
	op->op = 2;
	op->group = (char *)"g";
	if (strcmp(k, "badop") == 0)
		op->op = 9;
	else if (strcmp(k, "nogroup") == 0)
		op->group = NULL;
	else if (strcmp(k, "longname") == 0)
		op->group = (char *)"a23456789012345678901234567890123";
	else if (strcmp(k, "upper") == 0)
		op->group = (char *)"Group";
	else if (strcmp(k, "bigusers") == 0 || strcmp(k, "baduser") == 0) {
		op->n_users = strcmp(k, "bigusers") == 0 ? 1025 : 1;
		for (i = 0; i < op->n_users; i++)
			users[i] = strcmp(k, "bigusers") == 0 ?
			    (char *)"u" : (char *)"Not A Name";
		op->users = users;
	} else if (strcmp(k, "badnew") == 0) {
		op->op = 5;
		op->new_name = (char *)"x y";
	} else {
		f->body_case = NATTER__FRAME__BODY_GROUP_SEND;
		f->group_send = gs;
		gs->message_id.data = gs->group.data = gs->devices_hash.data =
		    buf;
		gs->message_id.len = strcmp(k, "nomid") == 0 ? 0 : 16;
		gs->group.len = strcmp(k, "noid") == 0 ? 0 : 16;
		gs->devices_hash.len = strcmp(k, "shorthash") == 0 ? 31 : 32;
		if (strcmp(k, "nomid") && strcmp(k, "noid") &&
		    strcmp(k, "shorthash") && strcmp(k, "unknown"))
			return (-1);
	}
	return (0);
}

/* gbad KIND: a malformed group frame; print the answer. */
static int
step_gbad(struct probe *p, int argc, char **argv)
{
	Natter__Frame		 f = NATTER__FRAME__INIT, *r;
	Natter__GroupOp		 op = NATTER__GROUP_OP__INIT;
	Natter__GroupSend	 gs = NATTER__GROUP_SEND__INIT;
	char			*users[1025];
	uint8_t			 buf[32];

	memset(buf, 7, sizeof buf);
	if (pg_bad_frame(argv[1], &f, &op, &gs, users, buf) != 0) {
		fprintf(stderr, "natter-probe: unknown gbad kind %s\n",
		    argv[1]);
		return (-1);
	}
	if ((r = probe_request(p, &f)) == NULL)
		return (-1);
	printf("gbad %s %s (%s)\n", argv[1], probe_code(r->response->code),
	    r->response->message != NULL ? r->response->message : "");
	wire_free(r);
	return (0);
}

/* A message id that a text always gets: a resend is the same message. */
static void
pg_text_id(const char *text, uint8_t id[16])
{
	uint8_t	h[32];

	crypto_hash_sha256(h, (const uint8_t *)text, strlen(text));
	memcpy(id, h, 16);
}

/* Send texts PREFIX-1..N to g with up to window unanswered, writing each
 * text to out as its OK arrives. ok counts the OKs. 0 or -1. */
static int
pg_pipe(struct probe *p, struct pg_group *g, const char *prefix, long n,
    long window, FILE *out, long *ok)
{
	Natter__Frame		 f = NATTER__FRAME__INIT, *r;
	Natter__GroupSend	 m = NATTER__GROUP_SEND__INIT;
	char			 text[128];
	uint8_t			 id[16];
	uint64_t		 base = p->next_id;
	long			 sent = 0, done = 0;

	m.message_id.data = id;
	m.message_id.len = 16;
	m.group.data = g->id;
	m.group.len = 16;
	m.devices_hash.data = g->hash;
	m.devices_hash.len = 32;
	f.body_case = NATTER__FRAME__BODY_GROUP_SEND;
	f.group_send = &m;
	while (done < n) {
		while (sent < n && sent - done < window) {
			snprintf(text, sizeof text, "%s-%ld", prefix, ++sent);
			pg_text_id(text, id);
			m.content.data = (uint8_t *)text;
			m.content.len = strlen(text);
			f.id = base + (uint64_t)sent;
			if (probe_send_frame(p, &f) != 0)
				return (-1);
		}
		if ((r = probe_wait(p, base + (uint64_t)++done)) == NULL)
			return (-1);
		if (r->response->code == NATTER__CODE__OK) {
			(*ok)++;
			if (out != NULL) {
				fprintf(out, "%s-%ld\n", prefix, done);
				fflush(out);
			}
		}
		wire_free(r);
	}
	p->next_id = base + (uint64_t)n;
	return (0);
}

/* gsendpipe GROUP PREFIX N WINDOW [OUT]: texts PREFIX-1..N, each with
 * the id of its text (so running it again resends the same messages);
 * the texts natterd stored go to OUT as their answers come. */
static int
step_gsendpipe(struct probe *p, int argc, char **argv)
{
	struct pg_group	*g;
	Natter__Frame	*r;
	FILE		*out = NULL;
	uint8_t		 id[16];
	long		 n = atol(argv[3]), ok = 0;
	uint64_t	 t0;
	int		 rc;

	if ((g = pg_find(p, argv[1])) == NULL) {
		printf("gsendpipe UNKNOWN_GROUP\n");
		return (0);
	}
	/* Learn the hash from a refused send: nothing is stored. */
	randombytes_buf(id, sizeof id);
	memset(g->hash, 0, sizeof g->hash);
	if ((r = pg_send(p, g->id, g->hash, id, "")) == NULL)
		return (-1);
	if (r->response->code == NATTER__CODE__DEVICE_MISMATCH)
		pg_hash_devices(r->response, g->hash);
	wire_free(r);
	if (argc > 5 && (out = fopen(argv[5], "a")) == NULL) {
		fprintf(stderr, "natter-probe: cannot open %s\n", argv[5]);
		return (-1);
	}
	t0 = time_mono_ns();
	rc = pg_pipe(p, g, argv[2], n, atol(argv[4]), out, &ok);
	if (out != NULL)
		fclose(out);
	if (rc != 0)
		return (-1);
	printf("gsendpipe OK %ld/%ld %.0f msgs/s\n", ok, n,
	    (double)n * 1e9 / (double)(time_mono_ns() - t0 + 1));
	return (0);
}

/* leaveaccount: this device takes itself off its account. */
static int
step_leaveaccount(struct probe *p, int argc, char **argv)
{
	Natter__Frame		f = NATTER__FRAME__INIT, *r;
	Natter__LeaveAccount	l = NATTER__LEAVE_ACCOUNT__INIT;

	f.body_case = NATTER__FRAME__BODY_LEAVE_ACCOUNT;
	f.leave_account = &l;
	if ((r = probe_request(p, &f)) == NULL)
		return (-1);
	printf("leaveaccount %s\n", probe_code(r->response->code));
	wire_free(r);
	return (0);
}

const struct probe_step probe_group_steps[] = {
	{ "leaveaccount", 0, 0, "leaveaccount", step_leaveaccount },
	{ "gop", 2, 4, "gop OP GROUP [USERS [NEW_NAME]]", step_gop },
	{ "gquery", 0, 1, "gquery [GROUP]", step_gquery },
	{ "gsend", 2, 3, "gsend GROUP TEXT [IDHEX]", step_gsend },
	{ "gsendx", 2, 2, "gsendx GROUP TEXT", step_gsendx },
	{ "gsendpipe", 4, 5, "gsendpipe GROUP PREFIX N WINDOW [OUT]",
	    step_gsendpipe },
	{ "gbad", 1, 1, "gbad KIND", step_gbad },
};
const size_t probe_group_nsteps =
    sizeof probe_group_steps / sizeof probe_group_steps[0];
