/* sessions: pairwise Double Ratchet sessions with other devices, kept sealed in the store. */
#include <stdlib.h>

#include "client/coreint.h"
#include "client/sessions.h"

int
sessions_from_bundle(struct core *c, const Natter__PrekeyBundle *b,
    struct core_error *err)
{
	(void)c; (void)b;
	core_seterr(err, CORE_ERR_UNSUPPORTED, "sessions not implemented yet");
	return (-1);
}

int
sessions_encrypt(struct core *c, const char *name, uint32_t device,
    const uint8_t *pt, size_t ptlen, uint32_t *type, uint8_t **ct,
    size_t *ctlen)
{
	(void)c; (void)name; (void)device; (void)pt; (void)ptlen; (void)type;
	(void)ct; (void)ctlen;
	return (-1);
}

int
sessions_decrypt(struct core *c, const char *name, uint32_t device,
    uint32_t type, const uint8_t *ct, size_t ctlen, uint8_t **pt,
    size_t *ptlen, uint8_t ik[32])
{
	(void)c; (void)name; (void)device; (void)type; (void)ct; (void)ctlen;
	(void)pt; (void)ptlen; (void)ik;
	return (-1);
}
