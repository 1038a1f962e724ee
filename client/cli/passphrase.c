/* passphrase: where the profile's passphrase comes from (environment, file, terminal prompt). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "client/cli/passphrase.h"
#include "shared/util/log.h"

static char *
passphrase_alloc(void)
{
	char	*p;

	if ((p = sodium_malloc(PASSPHRASE_MAX + 2)) == NULL)
		fatal("sodium_malloc failed");
	return (p);
}

void
passphrase_free(char *p)
{
	if (p != NULL)
		sodium_free(p);	/* wipes */
}

/* Read one line (without its newline) from fd into buf; -1 if too long. */
static ssize_t
passphrase_line(int fd, char *buf)
{
	size_t	n = 0;
	ssize_t	r;
	char	ch;

	for (;;) {
		r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n')
			break;
		if (n == PASSPHRASE_MAX)
			return (-1);
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return ((ssize_t)n);
}

static int
passphrase_from_file(const char *file, char *buf, size_t *len, char *errbuf,
    size_t errlen)
{
	ssize_t	n;
	int	fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(errbuf, errlen, "cannot read the passphrase file %s: "
		    "%s", file, strerror(errno));
		return (-1);
	}
	n = passphrase_line(fd, buf);
	close(fd);
	if (n <= 0) {
		snprintf(errbuf, errlen, "the passphrase file %s %s", file,
		    n == 0 ? "is empty" : "has a first line over 1024 bytes");
		return (-1);
	}
	*len = (size_t)n;
	return (0);
}

/* Write s to the terminal, ignoring failures (the read reports them). */
static void
passphrase_say(int fd, const char *s)
{
	size_t	n = strlen(s);
	ssize_t	w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Prompt on the terminal fd with echo off; -1 on a read error. */
static ssize_t
passphrase_prompt(int fd, const char *prompt, char *buf)
{
	struct termios	old, quiet;
	ssize_t		n;
	int		restore;

	passphrase_say(fd, prompt);
	restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		(void)tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	n = passphrase_line(fd, buf);
	if (restore)
		(void)tcsetattr(fd, TCSAFLUSH, &old);
	passphrase_say(fd, "\n");
	return (n);
}

static int
passphrase_from_tty(int confirm, char *buf, size_t *len, char *errbuf,
    size_t errlen)
{
	char	*again;
	ssize_t	 n, m = 0;
	int	 fd;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1) {
		snprintf(errbuf, errlen, "no passphrase: set NATTER_PASSPHRASE "
		    "or use --passphrase-file FILE (no terminal to ask on)");
		return (-1);
	}
	n = passphrase_prompt(fd, confirm ? "New passphrase for this profile: "
	    : "Passphrase: ", buf);
	if (n > 0 && confirm) {
		again = passphrase_alloc();
		m = passphrase_prompt(fd, "Repeat the passphrase: ", again);
		if (m != n || memcmp(buf, again, (size_t)n) != 0)
			m = -2;
		passphrase_free(again);
	}
	close(fd);
	if (n <= 0 || m < 0) {
		snprintf(errbuf, errlen, "%s", n == 0 ? "empty passphrase: "
		    "the profile needs one" : m == -2 ? "the passphrases do "
		    "not match" : "cannot read the passphrase (over 1024 "
		    "bytes?)");
		return (-1);
	}
	*len = (size_t)n;
	return (0);
}

int
passphrase_get(const char *file, int confirm, char **pass, size_t *len,
    char *errbuf, size_t errlen)
{
	const char	*env = getenv("NATTER_PASSPHRASE");
	char		*buf = passphrase_alloc();
	int		 rc;

	if (env != NULL && *env != '\0') {
		if (strlen(env) > PASSPHRASE_MAX) {
			snprintf(errbuf, errlen, "NATTER_PASSPHRASE is over "
			    "%d bytes", PASSPHRASE_MAX);
			rc = -1;
		} else {
			*len = strlen(env);
			memcpy(buf, env, *len + 1);
			rc = 0;
		}
	} else if (file != NULL)
		rc = passphrase_from_file(file, buf, len, errbuf, errlen);
	else
		rc = passphrase_from_tty(confirm, buf, len, errbuf, errlen);
	if (rc != 0) {
		passphrase_free(buf);
		return (-1);
	}
	*pass = buf;
	return (0);
}
