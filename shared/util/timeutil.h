/* timeutil: wall and monotonic clocks in milliseconds (the wall clock shiftable for tests), duration parsing. */
#ifndef NATTER_SHARED_UTIL_TIMEUTIL_H
#define NATTER_SHARED_UTIL_TIMEUTIL_H

#include <stdint.h>

/* Milliseconds since the Unix epoch, plus the test offset (if set). */
int64_t	time_now_ms(void);
/*
 * Shift time_now_ms by ms from now on (0: the real clock again).  For
 * tests only: the client sets it from NATTER_TEST_CLOCK_OFFSET_MS at
 * start; natterd never calls it.  The monotonic clock is not shifted.
 */
void	time_set_offset_ms(int64_t ms);
/* Monotonic nanoseconds, for measuring. */
uint64_t time_mono_ns(void);
/* Parse "N", "Ns", "Nm", "Nh", "Nd" into seconds (N > 0); -1 if malformed. */
int	time_parse_duration(const char *, int64_t *seconds)
	    __attribute__((warn_unused_result));

#endif
