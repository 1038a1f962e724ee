/* probe: natter-probe's steps over one connection. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <protobuf-c/protobuf-c.h>
#include <sodium.h>

#include "shared/proto/login.h"
#include "shared/proto/wire.h"
#include "shared/util/hex.h"
#include "shared/util/xmalloc.h"
#include "tests/tools/probe.h"
#include "tests/tools/probe_ws.h"

#define PROBE_MAXFRAME	(64 << 20)

const char *
probe_code(uint32_t code)
{
	const ProtobufCEnumValue	*v;

	v = protobuf_c_enum_descriptor_get_value(&natter__code__descriptor,
	    (int)code);
	return (v != NULL ? v->name : "UNKNOWN");
}

int
probe_send_frame(struct probe *p, const Natter__Frame *f)
{
	size_t	 len = wire_size(f);
	uint8_t	*buf = xmalloc(len + 1);
	int	 rc;

	wire_encode(f, buf, len);
	rc = probe_ws_send(p->ws, PROBE_WS_BINARY, buf, len);
	free(buf);
	return (rc == 0 ? 0 : -1);
}

/* The next frame from the socket (Challenges are absorbed), or NULL when
 * the connection closed ("close CODE" is printed) or timed out. */
Natter__Frame *
probe_read(struct probe *p)
{
	Natter__Frame	*f;
	uint8_t		*data;
	size_t		 len;
	int		 op, status;

	while (!p->closed) {
		if (probe_ws_recv(p->ws, &op, &data, &len, &status) != 0) {
			fprintf(stderr, "probe: connection lost or timed out\n");
			p->closed = 1;
			return (NULL);
		}
		if (op == PROBE_WS_CLOSE) {
			printf("close %d\n", status);
			p->closed = 1;
			return (NULL);
		}
		if (op != PROBE_WS_BINARY)
			continue;
		f = wire_decode(data, len, PROBE_MAXFRAME);
		if (f == NULL) {
			fprintf(stderr, "probe: undecodable frame from server\n");
			continue;
		}
		if (f->body_case == NATTER__FRAME__BODY_CHALLENGE) {
			if (f->challenge->nonce.len == sizeof p->nonce)
				memcpy(p->nonce, f->challenge->nonce.data,
				    sizeof p->nonce);
			wire_free(f);
			continue;
		}
		return (f);
	}
	return (NULL);
}

int
probe_ack(struct probe *p, uint64_t *seqs, size_t n)
{
	Natter__Frame	f = NATTER__FRAME__INIT;
	Natter__Ack	a = NATTER__ACK__INIT;

	a.n_seqs = n;
	a.seqs = seqs;
	f.body_case = NATTER__FRAME__BODY_ACK;
	f.ack = &a;
	return (probe_send_frame(p, &f));
}

/* Wait for the Response to id; pushes meanwhile are stashed. */
Natter__Frame *
probe_wait(struct probe *p, uint64_t id)
{
	Natter__Frame	*f;

	while ((f = probe_read(p)) != NULL) {
		if (f->body_case == NATTER__FRAME__BODY_RESPONSE &&
		    f->id == id)
			return (f);
		if (f->body_case != NATTER__FRAME__BODY_RESPONSE &&
		    p->nstash < PROBE_MAXSTASH)
			p->stash[p->nstash++] = f;
		else
			wire_free(f);
	}
	return (NULL);
}

/* The next push: stashed first, then from the socket. */
Natter__Frame *
probe_push(struct probe *p)
{
	Natter__Frame	*f;

	if (p->nstash > 0) {
		f = p->stash[0];
		memmove(p->stash, p->stash + 1, --p->nstash * sizeof f);
		return (f);
	}
	while ((f = probe_read(p)) != NULL) {
		if (f->body_case != NATTER__FRAME__BODY_RESPONSE)
			return (f);
		wire_free(f);
	}
	return (NULL);
}

int
probe_open(struct probe *p, const char *host, int port, const char *keydir,
    int timeout_ms)
{
	Natter__Frame	*f;

	memset(p, 0, sizeof *p);
	p->keydir = keydir;
	p->host = host;
	p->port = port;
	p->timeout_ms = timeout_ms;
	p->ws = probe_ws_connect(host, port, "/v1/ws", "natter.v1", timeout_ms);
	if (p->ws == NULL)
		return (-1);
	/* The first frame is the Challenge, absorbed by probe_read: poke
	 * the server with a Ping so there is something after it. */
	{
		Natter__Frame	pf = NATTER__FRAME__INIT;
		Natter__Ping	pg = NATTER__PING__INIT;

		pf.id = ++p->next_id;
		pf.body_case = NATTER__FRAME__BODY_PING;
		pf.ping = &pg;
		if (probe_send_frame(p, &pf) != 0 ||
		    (f = probe_wait(p, pf.id)) == NULL)
			return (-1);
		wire_free(f);
	}
	return (0);
}

void
probe_close(struct probe *p)
{
	int	i;

	for (i = 0; i < p->nstash; i++)
		wire_free(p->stash[i]);
	probe_ws_free(p->ws);
}

/* Send f with a fresh id and wait for its Response. */
Natter__Frame *
probe_request(struct probe *p, Natter__Frame *f)
{
	f->id = ++p->next_id;
	if (probe_send_frame(p, f) != 0)
		return (NULL);
	return (probe_wait(p, f->id));
}

static int
probe_key_path(struct probe *p, const char *name, char **path)
{
	xasprintf(path, "%s/%s.key", p->keydir, name);
	return (0);
}

int
probe_load_key(struct probe *p, const char *name, uint8_t sk[64])
{
	char	*path;
	FILE	*f;
	size_t	 n;

	probe_key_path(p, name, &path);
	f = fopen(path, "rb");
	free(path);
	if (f == NULL)
		return (-1);
	n = fread(sk, 1, 64, f);
	fclose(f);
	return (n == 64 ? 0 : -1);
}

int
probe_save_key(struct probe *p, const char *name, const uint8_t sk[64])
{
	char	*path;
	FILE	*f;
	int	 rc = -1;

	probe_key_path(p, name, &path);
	if ((f = fopen(path, "wb")) != NULL) {
		if (fwrite(sk, 1, 64, f) == 64)
			rc = 0;
		if (fclose(f) != 0)
			rc = -1;
	}
	free(path);
	return (rc);
}

void
probe_sign(struct probe *p, const char *label, const char *name,
    const uint32_t *device, const uint8_t sk[64], uint8_t sig[64])
{
	uint8_t	msg[LOGIN_MESSAGEMAX];
	size_t	len;

	/* An over-long name gives an empty message: a wrong signature. */
	len = login_message(msg, label, p->nonce, name, device);
	crypto_sign_detached(sig, NULL, msg, len, sk);
}

