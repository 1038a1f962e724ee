/* fiber: run a request on a stack of its own so it can wait for the store.
 *
 * Why fibers: fiber.h. How: each fiber's stack is an anonymous mapping
 * with a guard page below it, so an overflow faults instead of writing
 * over another fiber. A stack is entered once through glibc's ucontext
 * (makecontext is the portable way onto a new stack), and from then on
 * runs fiber_main's loop: one request, then back to the caller, then the
 * next request given that stack. Every switch after the first is
 * _setjmp and _longjmp, which save and restore registers only:
 * swapcontext also saves and restores the signal mask, two system calls
 * per switch, which cost natterd on PostgreSQL a sixth of its CPU (two
 * switches per statement). Stacks are kept for reuse. Switching in and
 * out is announced to AddressSanitizer when it is on, which otherwise
 * takes the other stack for a wild one. */
/* Fortified longjmp refuses to jump to another stack. */
#undef _FORTIFY_SOURCE
#include <sys/mman.h>

#include <assert.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <ucontext.h>
#include <unistd.h>

#include "server/fiber.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN	1
#endif
#endif

#ifdef FIBER_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#define FIBER_KEEP	(FIBER_MAX / 2)	/* stacks kept for reuse: a mapping
					 * made and unmapped per request costs
					 * more than the request (TLB flushes);
					 * fiber_trim gives them back when the
					 * burst that needed them is over */

/* A call fiber_defer queued for the fiber's end. */
struct fiber_deferred {
	void			(*fn)(void *);
	void			*arg;
	struct fiber_deferred	*next;
};

struct fiber {
	ucontext_t	 start;		/* fiber_main on the stack */
	int		 started;	/* fiber_main runs: resume ctx */
	jmp_buf		 ctx;		/* where the fiber waits */
	jmp_buf		*caller;	/* where fiber_wait returns to */
	uint8_t		*map;		/* guard page, then the stack */
	void		(*fn)(void *);
	void		*arg;
	void		(*done)(void *);
	void		*donearg;
	int		 finished;
	struct fiber_deferred *deferred; /* newest first */
	struct fiber	*next;		/* on the free list */
	/* AddressSanitizer's view of the stack we came from. */
	const void	*caller_bottom;
	size_t		 caller_size;
	void		*fake;
};

static int		 fiber_on;
static struct fiber	*fiber_current;
static struct fiber	*fiber_free;
static size_t		 fiber_nfree;
static size_t		 fiber_alive;
static size_t		 fiber_peak;	/* most alive since fiber_peak_take */
static struct fiber	*fiber_starting;

static size_t
fiber_page(void)
{
	long	p = sysconf(_SC_PAGESIZE);

	return (p > 0 ? (size_t)p : 4096);
}

/* Before leaving the current stack for [bottom, bottom + size). */
static void
fiber_leave(void **fake, const void *bottom, size_t size)
{
#ifdef FIBER_ASAN
	__sanitizer_start_switch_fiber(fake, bottom, size);
#else
	(void)fake;
	(void)bottom;
	(void)size;
#endif
}

/* Just after arriving on a stack; learns the stack we came from. */
static void
fiber_arrive(void *fake, const void **bottom, size_t *size)
{
#ifdef FIBER_ASAN
	__sanitizer_finish_switch_fiber(fake, bottom, size);
#else
	(void)fake;
	(void)bottom;
	(void)size;
#endif
}

/* The calls fiber_defer queued, newest first; they may wait too. */
static void
fiber_run_deferred(struct fiber *f)
{
	struct fiber_deferred	*d;

	while ((d = f->deferred) != NULL) {
		f->deferred = d->next;
		d->fn(d->arg);
		free(d);
	}
}

/* Leave f for its caller; return when f is switched to again. Apart,
 * and not inlined, so that no caller local lives across _setjmp. */
static void __attribute__((noinline))
fiber_yield(struct fiber *f)
{
	fiber_leave(&f->fake, f->caller_bottom, f->caller_size);
	if (_setjmp(f->ctx) == 0)
		_longjmp(*f->caller, 1);
	fiber_arrive(f->fake, &f->caller_bottom, &f->caller_size);
}

/* A stack's whole life: the requests given to it, one after another. */
static void
fiber_main(void)
{
	struct fiber	*f = fiber_starting;

	fiber_arrive(NULL, &f->caller_bottom, &f->caller_size);
	for (;;) {
		f->fn(f->arg);
		fiber_run_deferred(f);
		f->finished = 1;
		/* The caller recycles the stack; the next request run on
		 * it comes back here. */
		fiber_yield(f);
	}
}

/* Point f's start context at fiber_main on f's stack. Apart, and on a
 * volatile pointer: getcontext returns twice to the compiler's mind, so
 * no caller local may live across it. */
static void __attribute__((noinline))
fiber_make(struct fiber *volatile f)
{
	if (getcontext(&f->start) != 0)
		fatal("cannot make a fiber");
	f->start.uc_stack.ss_sp = f->map + fiber_page();
	f->start.uc_stack.ss_size = FIBER_STACK;
	f->start.uc_link = NULL;
	makecontext(&f->start, fiber_main, 0);
}

static struct fiber *
fiber_new(void)
{
	struct fiber	*f;
	size_t		 page = fiber_page();

	if ((f = fiber_free) != NULL) {
		fiber_free = f->next;
		fiber_nfree--;
		return (f);
	}
	f = xcalloc(1, sizeof *f);
	f->map = mmap(NULL, page + FIBER_STACK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (f->map == MAP_FAILED)
		fatal("cannot map a fiber's stack");
	if (mprotect(f->map, page, PROT_NONE) != 0)
		fatal("cannot protect a fiber's guard page");
	fiber_make(f);
	return (f);
}

static void
fiber_release(struct fiber *f)
{
	if (fiber_nfree >= FIBER_KEEP) {
		(void)munmap(f->map, fiber_page() + FIBER_STACK);
		free(f);
		return;
	}
	f->next = fiber_free;
	fiber_free = f;
	fiber_nfree++;
}

/* Save where we are in back and go to f: where it waited, or into
 * fiber_main the first time. Returns when f jumps back. Apart, and not
 * inlined, so that no caller local lives across _setjmp. */
static void __attribute__((noinline))
fiber_enter(jmp_buf *back, struct fiber *f)
{
	if (_setjmp(*back) != 0)
		return;
	if (f->started)
		_longjmp(f->ctx, 1);
	f->started = 1;
	fiber_starting = f;
	(void)setcontext(&f->start);
	fatal("cannot start a fiber");
}

/* Switch to f until it waits or ends; then, if it ended, recycle it. */
static void
fiber_switch(struct fiber *f)
{
	struct fiber	*prev = fiber_current;
	jmp_buf		 back;
	void		*fake = NULL;
	void		(*done)(void *);
	void		*donearg;

	f->caller = &back;
	fiber_current = f;
	fiber_leave(&fake, f->map + fiber_page(), FIBER_STACK);
	fiber_enter(&back, f);
	fiber_arrive(fake, NULL, NULL);
	fiber_current = prev;
	if (!f->finished)
		return;
	done = f->done;
	donearg = f->donearg;
	fiber_alive--;
	fiber_release(f);
	if (done != NULL)
		done(donearg);
}

int
fiber_run(void (*fn)(void *), void *arg, void (*done)(void *),
    void *donearg)
{
	struct fiber	*f;

	if (!fiber_on) {
		fn(arg);
		if (done != NULL)
			done(donearg);
		return (0);
	}
	if (fiber_alive >= FIBER_MAX)
		return (-1);
	f = fiber_new();
	f->fn = fn;
	f->arg = arg;
	f->done = done;
	f->donearg = donearg;
	f->finished = 0;
	f->deferred = NULL;
	if (++fiber_alive > fiber_peak)
		fiber_peak = fiber_alive;
	fiber_switch(f);
	return (0);
}

void
fiber_enable(int on)
{
	fiber_on = on;
}

int
fiber_enabled(void)
{
	return (fiber_on);
}

struct fiber *
fiber_self(void)
{
	return (fiber_current);
}

int
fiber_defer(void (*fn)(void *), void *arg)
{
	struct fiber_deferred	*d;

	if (fiber_current == NULL)
		return (-1);
	d = xmalloc(sizeof *d);
	d->fn = fn;
	d->arg = arg;
	d->next = fiber_current->deferred;
	fiber_current->deferred = d;
	return (0);
}

void
fiber_wait(void)
{
	struct fiber	*f = fiber_current;

	assert(f != NULL);
	fiber_yield(f);
}

void
fiber_wake(struct fiber *f)
{
	assert(f != NULL && !f->finished && f != fiber_current);
	fiber_switch(f);
}

size_t
fiber_count(void)
{
	return (fiber_alive);
}

size_t
fiber_peak_take(void)
{
	size_t	peak = fiber_peak;

	fiber_peak = fiber_alive;
	return (peak);
}

void
fiber_trim(size_t keep)
{
	struct fiber	*f;

	while (fiber_nfree > keep && (f = fiber_free) != NULL) {
		fiber_free = f->next;
		fiber_nfree--;
		(void)munmap(f->map, fiber_page() + FIBER_STACK);
		free(f);
	}
}

void
fiber_shutdown(void)
{
	fiber_trim(0);
}
