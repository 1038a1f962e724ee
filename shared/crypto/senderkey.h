/* senderkey: group messaging with sender keys (one chain + signing key per sender). */
#ifndef NATTER_SHARED_CRYPTO_SENDERKEY_H
#define NATTER_SHARED_CRYPTO_SENDERKEY_H

#include <stddef.h>
#include <stdint.h>

/*
 * A sender owns a struct senderkey for each group: a u32 key id, a 32-byte
 * chain key, an iteration counter and an Ed25519 signing pair.  It sends a
 * distribution message (over pairwise sessions) to every member device;
 * each member keeps a struct senderkey_peer per (group, sender device) with
 * up to SENDERKEY_MAXSTATES states, selected by key id.
 *
 * Chain step: seed = HMAC-SHA256(CK, 0x01), CK' = HMAC-SHA256(CK, 0x02);
 * enc_key[32] | mac_key[32] | iv[16] = HKDF(0^32, seed, "natter v1 group", 80).
 *
 * Wire formats (integers big-endian):
 *	distribution: 0x01 | u8 gidlen | gid | u32 key id | u32 iteration |
 *	    chain key[32] | signing public key[32]
 *	group message: 0x01 | u8 gidlen | gid | u32 key id | u32 iteration |
 *	    ct | tag[16] | signature[64]
 * ct = ChaCha20-IETF(enc_key, iv[0..12]) xor plaintext; tag = the first 16
 * bytes of HMAC-SHA256(mac_key, everything before the tag); signature =
 * Ed25519 over everything before it.  Receivers verify the signature, then
 * the tag (constant time), and commit state only when both pass.
 */

#define SENDERKEY_VERSION	1
#define SENDERKEY_CHAINKEYBYTES	32
#define SENDERKEY_PUBLICKEYBYTES 32
#define SENDERKEY_TAGBYTES	16
#define SENDERKEY_SIGBYTES	64
#define SENDERKEY_GIDMAX	255
#define SENDERKEY_MAXJUMP	2000	/* future messages one may skip */
#define SENDERKEY_MAXSKIPPED	2000	/* stored skipped keys per state */
#define SENDERKEY_MAXSTATES	5	/* states (key ids) kept per sender */
#define SENDERKEY_HEADERBYTES(gidlen)	(1 + 1 + (gidlen) + 4 + 4)
/* Bytes a group message adds to the plaintext. */
#define SENDERKEY_OVERHEAD(gidlen) \
	(SENDERKEY_HEADERBYTES(gidlen) + SENDERKEY_TAGBYTES + SENDERKEY_SIGBYTES)
#define SENDERKEY_DISTBYTES(gidlen) \
	(SENDERKEY_HEADERBYTES(gidlen) + SENDERKEY_CHAINKEYBYTES + \
	SENDERKEY_PUBLICKEYBYTES)
#define SENDERKEY_DISTMAX	SENDERKEY_DISTBYTES(SENDERKEY_GIDMAX)

struct senderkey;		/* our own sending state for one group */
struct senderkey_peer;		/* states received from one sender device */

/*
 * A fresh sending state for group gid (1 to SENDERKEY_GIDMAX bytes): random
 * key id, chain key and signing pair, iteration 0.  NULL for a bad gid.
 * Free with senderkey_free.
 */
struct senderkey	*senderkey_create(const uint8_t *gid, size_t gidlen);

/* Wipe and free; NULL is a no-op. */
void			 senderkey_free(struct senderkey *);

/*
 * Replace key id (a different random one), chain key and signing pair, and
 * reset the iteration: members removed before this cannot read what
 * follows.  Send the new distribution message to the remaining members.
 */
void			 senderkey_rotate(struct senderkey *);

uint32_t		 senderkey_key_id(const struct senderkey *);
uint32_t		 senderkey_iteration(const struct senderkey *);

/*
 * Write the distribution message for the current state (chain key at the
 * current iteration) into out (SENDERKEY_DISTMAX bytes are always enough);
 * *outlen gets its length.  The message holds a secret: send it only over a
 * pairwise session and wipe it afterwards.
 */
void			 senderkey_distribution(const struct senderkey *,
			    uint8_t *out, size_t *outlen);

/*
 * Encrypt mlen bytes of m as a group message into out, which must hold
 * mlen + SENDERKEY_OVERHEAD(gidlen) bytes; *outlen gets the length.
 * Advances the chain.  -1 if the iteration counter is exhausted (rotate).
 */
int			 senderkey_encrypt(struct senderkey *, uint8_t *out,
			    size_t *outlen, const uint8_t *m, size_t mlen)
			    __attribute__((warn_unused_result));

/*
 * Serialise a sending state (secret: seal it before storing) into a buffer
 * from xmalloc; the caller wipes (sodium_memzero) and frees it.
 */
uint8_t			*senderkey_serialize(const struct senderkey *,
			    size_t *outlen);
/* Parse what senderkey_serialize wrote; NULL if malformed. */
struct senderkey	*senderkey_deserialize(const uint8_t *in, size_t inlen);

/* An empty peer record (no states yet); free with senderkey_peer_free. */
struct senderkey_peer	*senderkey_peer_create(void);
void			 senderkey_peer_free(struct senderkey_peer *);

/*
 * Install the state in a distribution message.  A key id already held is
 * left alone if its chain is at or past the message's iteration (replays
 * cannot roll a chain back), else replaced; a new key id becomes the
 * newest state and the oldest is dropped beyond SENDERKEY_MAXSTATES.  -1 for
 * a malformed message or one whose group differs from states already held.
 */
int			 senderkey_peer_process(struct senderkey_peer *,
			    const uint8_t *dist, size_t distlen)
			    __attribute__((warn_unused_result));

/*
 * Decrypt a group message of clen bytes into m, which must hold clen bytes
 * (the plaintext is shorter); *mlen gets its length.  -1 if malformed, from
 * another group, for an unknown key id, a bad signature or tag, a replay,
 * or more than SENDERKEY_MAXJUMP ahead; the peer is then unchanged.
 */
int			 senderkey_peer_decrypt(struct senderkey_peer *,
			    uint8_t *m, size_t *mlen, const uint8_t *c,
			    size_t clen) __attribute__((warn_unused_result));

/* Serialise / parse a peer record (secret: seal it before storing). */
uint8_t			*senderkey_peer_serialize(const struct senderkey_peer *,
			    size_t *outlen);
struct senderkey_peer	*senderkey_peer_deserialize(const uint8_t *in,
			    size_t inlen);

/*
 * Read the group id and key id of a group message or distribution message
 * without verifying anything (to find the right record).  *gid points into
 * msg.  -1 if malformed.
 */
int			 senderkey_message_peek(const uint8_t *msg, size_t len,
			    const uint8_t **gid, size_t *gidlen,
			    uint32_t *key_id) __attribute__((warn_unused_result));

#endif
