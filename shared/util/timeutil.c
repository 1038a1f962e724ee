/* timeutil: wall and monotonic clocks in milliseconds (the wall clock shiftable for tests), duration parsing. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "shared/util/timeutil.h"

/* The one place the wall clock is shifted (time_set_offset_ms). */
static int64_t	time_offset_ms;

int64_t
time_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    time_offset_ms);
}

void
time_set_offset_ms(int64_t ms)
{
	time_offset_ms = ms;
}

uint64_t
time_mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

int
time_parse_duration(const char *s, int64_t *seconds)
{
	char		*end;
	long long	 n;
	int64_t		 unit = 1;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || n <= 0)
		return (-1);
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		return (-1);
	}
	if (*end != '\0' && end[1] != '\0')
		return (-1);
	if (n > INT64_MAX / unit / 1000)
		return (-1);
	*seconds = n * unit;
	return (0);
}
