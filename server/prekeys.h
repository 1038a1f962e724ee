/* prekeys: signed and one-time prekeys of each device, handed out once. */
#ifndef NATTER_SERVER_PREKEYS_H
#define NATTER_SERVER_PREKEYS_H

#include <stddef.h>
#include <stdint.h>

struct db;

#define PREKEYS_KEYBYTES	32
#define PREKEYS_SIGBYTES	64
#define PREKEYS_LOW		20	/* PrekeysLow below this count */
#define PREKEYS_MAXUPLOAD	200	/* one-time prekeys per upload */
#define PREKEYS_MAXSTORED	1000	/* one-time prekeys per device */

struct prekeys_onetime {
	uint32_t	id;
	uint8_t		key[PREKEYS_KEYBYTES];
};

/* What an upload brings (Register, PrekeyUpload, a link offer): maybe a
 * signed prekey, and n one-time prekeys (opks: the filler's to free). */
struct prekeys_upload {
	int		 has_signed;
	uint32_t	 spk_id;
	uint8_t		 spk[PREKEYS_KEYBYTES];
	uint8_t		 spk_sig[PREKEYS_SIGBYTES];
	struct prekeys_onetime *opks;
	size_t		 n;
};

/* What a BundleRequest returns for one device. */
struct prekeys_bundle {
	uint32_t	device;
	uint8_t		identity_key[PREKEYS_KEYBYTES];
	int		has_signed;
	uint32_t	spk_id;
	uint8_t		spk[PREKEYS_KEYBYTES];
	uint8_t		spk_sig[PREKEYS_SIGBYTES];
	int		has_onetime;
	struct prekeys_onetime opk;
};

/* Replace the device's signed prekey: 0 or -1. */
int	prekeys_set_signed(struct db *, int64_t account, uint32_t device,
	    uint32_t id, const uint8_t key[PREKEYS_KEYBYTES],
	    const uint8_t sig[PREKEYS_SIGBYTES]);
/* Add one-time prekeys (an id already stored is replaced). Returns 0, 1 if
 * the device would then hold more than PREKEYS_MAXSTORED (nothing added),
 * -1 on error. */
int	prekeys_add_onetime(struct db *, int64_t account, uint32_t device,
	    const struct prekeys_onetime *, size_t n);
/* Store u for the device: its signed prekey, if any, replaces the one
 * before; its one-time prekeys are added (prekeys_add_onetime). 0, 1 if
 * the device would then hold more than PREKEYS_MAXSTORED one-time
 * prekeys (nothing stored), -1 on error. */
int	prekeys_store(struct db *, int64_t account, uint32_t device,
	    const struct prekeys_upload *u);
/* Delete every one-time prekey of the device (it was removed): 0 or -1.
 * Its signed prekey goes with its devices row. */
int	prekeys_forget(struct db *, int64_t account, uint32_t device);
/* Delete the device's one-time prekeys with ids below floor (retired by
 * the device): 0 or -1. */
int	prekeys_drop_below(struct db *, int64_t account, uint32_t device,
	    uint32_t floor);
/* The device's one-time prekey count: 0 or -1. */
int	prekeys_count(struct db *, int64_t account, uint32_t device,
	    uint32_t *count);
/* Fill b for the device and, if take_onetime, take (delete) its lowest
 * one-time prekey if any is left. 0, 1 if the device is unknown, -1 on
 * error. */
int	prekeys_bundle(struct db *, int64_t account, uint32_t device,
	    int take_onetime, struct prekeys_bundle *b);

#endif
