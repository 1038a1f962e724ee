/* hugemap: big anonymous mappings (Argon2id's 64 MiB inside libsodium) on transparent huge pages. */
#include <sys/mman.h>
#include <sys/syscall.h>

#include <unistd.h>

/*
 * Unlocking a profile runs Argon2id at libsodium's INTERACTIVE limits: 64
 * MiB that libsodium maps with MAP_POPULATE, i.e. 16,384 page faults of 4
 * KiB.  On this project's virtual machines a fault costs 10-20 us, so
 * faulting the memory in took ~150 of the ~190 ms an unlock cost, and
 * every one-shot command paid it.  With the kernel's transparent huge
 * pages in their default "madvise" mode the same memory comes in 32 faults
 * of 2 MiB if it is advised before it is touched.
 *
 * libsodium offers no hook for its allocation, so the natter executable
 * defines mmap itself (the dynamic linker binds libsodium's call to it):
 * an anonymous mapping of HUGEMAP_MIN bytes or more is made without
 * MAP_POPULATE and advised MADV_HUGEPAGE; everything else is passed to the
 * system call unchanged.  glibc's own allocations call its internal
 * __mmap and never come here.  Sanitizer builds leave mmap alone (ASan
 * intercepts it) and are not linked with this file.
 */
#define HUGEMAP_MIN	(16UL << 20)

#if defined(__linux__) && defined(SYS_mmap) && defined(__LP64__)
void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void	*p;
	int	 big;

	big = (flags & MAP_ANONYMOUS) && !(flags & MAP_FIXED) &&
	    len >= HUGEMAP_MIN;
	if (big)
		flags &= ~MAP_POPULATE;
	p = (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	if (big && p != MAP_FAILED)
		(void)madvise(p, len, MADV_HUGEPAGE);
	return (p);
}
#endif
