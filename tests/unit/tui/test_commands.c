/* test_commands: the TUI command table is complete, and natter(1) lists every command in it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/tui/commands.h"
#include "client/tui/keys.h"
#include "tests/unit/unit.h"

START_TEST(test_table)
{
	const struct commands_entry	*e;
	static const char		*want[] = { "open", "close", "search",
	    "fingerprint", "verify", "accept", "send-file", "save", "help",
	    "quit" };
	size_t				 i;

	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_ptr_nonnull(commands_find(want[i]));
	ck_assert_ptr_null(commands_find("nope"));
	for (e = commands_table; e->name != NULL; e++) {
		ck_assert_ptr_nonnull(e->run);
		ck_assert(strlen(e->help) > 0);
		ck_assert_int_eq(e->needs_arg, e->args[0] != '\0' &&
		    e->args[0] != '[');
	}
}
END_TEST

/*
 * Every command appears in natter(1) as ".It Ic /name [Ar ARGS]", with
 * "Op " where its optional arguments start.
 */
START_TEST(test_manual)
{
	const struct commands_entry	*e;
	const char			*opt;
	char				 want[128], *buf;

	if ((buf = unit_source_file("man/natter.1")) == NULL)
		return;
	for (e = commands_table; e->name != NULL; e++) {
		opt = strstr(e->args, " [");
		if (e->args[0] == '\0')
			snprintf(want, sizeof want, ".It Ic /%s\n", e->name);
		else if (e->args[0] == '[')
			snprintf(want, sizeof want, ".It Ic /%s Op ", e->name);
		else if (opt != NULL)
			snprintf(want, sizeof want, ".It Ic /%s Ar %.*s Op ",
			    e->name, (int)(opt - e->args), e->args);
		else
			snprintf(want, sizeof want, ".It Ic /%s Ar %s\n",
			    e->name, e->args);
		ck_assert_msg(strstr(buf, want) != NULL, "natter(1) lacks %s",
		    want);
	}
	free(buf);
}
END_TEST

/* Every key of the map (/help keys) appears in natter(1) as "Ic KEY". */
START_TEST(test_keys)
{
	const struct keys_help	*k;
	char			 want[128], *buf, *p, *key, *save;

	if ((buf = unit_source_file("man/natter.1")) == NULL)
		return;
	for (k = keys_map; k->keys != NULL; k++) {
		ck_assert(strlen(k->help) > 0);
		p = strdup(k->keys);
		for (key = strtok_r(p, ", ", &save); key != NULL;
		    key = strtok_r(NULL, ", ", &save)) {
			if (strcmp(key, "to") == 0)
				continue;
			snprintf(want, sizeof want, "Ic %s\n", key);
			if (strstr(buf, want) == NULL)
				snprintf(want, sizeof want, "Ic %s ", key);
			ck_assert_msg(strstr(buf, want) != NULL,
			    "natter(1) lacks the key %s", key);
		}
		free(p);
	}
	free(buf);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("commands");
	TCase	*tc = tcase_create("commands");

	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_manual);
	tcase_add_test(tc, test_keys);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
