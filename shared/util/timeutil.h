/* timeutil: wall and monotonic clocks in milliseconds, duration parsing. */
#ifndef NATTER_SHARED_UTIL_TIMEUTIL_H
#define NATTER_SHARED_UTIL_TIMEUTIL_H

#include <stdint.h>

/* Milliseconds since the Unix epoch. */
int64_t	time_now_ms(void);
/* Monotonic nanoseconds, for measuring. */
uint64_t time_mono_ns(void);
/* Parse "N", "Ns", "Nm", "Nh", "Nd" into seconds (N > 0); -1 if malformed. */
int	time_parse_duration(const char *, int64_t *seconds)
	    __attribute__((warn_unused_result));

#endif
