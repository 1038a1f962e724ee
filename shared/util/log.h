/* log: levelled logging to stderr and fatal() for broken invariants. */
#ifndef NATTER_SHARED_UTIL_LOG_H
#define NATTER_SHARED_UTIL_LOG_H

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG
};

/* Set the threshold; messages above it are dropped. Default LOG_WARN. */
void	log_set_level(enum log_level);
/* Parse "error", "warn", "info", "debug"; -1 if unknown. */
int	log_parse_level(const char *, enum log_level *);
/* Set the program name printed before each line. */
void	log_set_prefix(const char *);

void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Print and abort(): for broken invariants and allocation failure only. */
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
