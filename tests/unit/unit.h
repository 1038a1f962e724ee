/* unit: how every Check suite under tests/unit is run from its main. */
#ifndef NATTER_TESTS_UNIT_UNIT_H
#define NATTER_TESTS_UNIT_UNIT_H

#include <check.h>
#include <stdlib.h>

/* Run every test of s (each in its own process); main's exit status. */
static inline int
unit_run(Suite *s)
{
	SRunner	*sr = srunner_create(s);
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

#endif
