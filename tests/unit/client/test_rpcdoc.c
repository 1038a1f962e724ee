/* test_rpcdoc: natter-rpc(5) lists exactly the JSON-RPC methods of the command table, each with its params, and every application error code. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli/cli.h"
#include "client/cli/rpc.h"
#include "client/core/core.h"
#include "tests/unit/unit.h"

/* The text of section ".Sh name" (cut at the next .Sh), in place. */
static char *
rpcdoc_section(char *doc, const char *name)
{
	char	 want[64], *s, *end;

	snprintf(want, sizeof want, "\n.Sh %s\n", name);
	s = strstr(doc, want);
	ck_assert_msg(s != NULL, "natter-rpc(5) has no %s section", name);
	s += strlen(want) - 1;
	if ((end = strstr(s, "\n.Sh ")) != NULL)
		end[1] = '\0';
	return (s);
}

/* The subsection ".Ss name" of sec, up to the next .Ss; NULL if none. */
static char *
rpcdoc_sub(const char *sec, const char *name, char *out, size_t outlen)
{
	char		 want[64];
	const char	*s, *end;
	size_t		 n;

	snprintf(want, sizeof want, "\n.Ss %s\n", name);
	if ((s = strstr(sec, want)) == NULL)
		return (NULL);
	s += strlen(want) - 1;
	end = strstr(s, "\n.Ss ");
	n = end != NULL ? (size_t)(end - s) + 1 : strlen(s);
	ck_assert(n < outlen);
	memcpy(out, s, n);
	out[n] = '\0';
	return (out);
}

/* Every method of the table has its subsection, naming each param. */
START_TEST(test_methods_documented)
{
	const struct cli_cmd	*c;
	const struct cli_param	*p;
	char			*doc, *sec, sub[8192], want[64];

	if ((doc = unit_source_file("man/natter-rpc.5")) == NULL)
		return;
	sec = rpcdoc_section(doc, "METHODS");
	for (c = cli_cmds; c->name != NULL; c++) {
		if (c->method == NULL)
			continue;
		ck_assert_msg(rpcdoc_sub(sec, c->method, sub, sizeof sub) !=
		    NULL, "natter-rpc(5) does not document method %s",
		    c->method);
		if (c->params[0].name == NULL)
			ck_assert_msg(strstr(sub, "No params") != NULL,
			    "natter-rpc(5): %s takes no params; say so",
			    c->method);
		for (p = c->params; p->name != NULL; p++) {
			snprintf(want, sizeof want, "\n.Li %s", p->name);
			ck_assert_msg(strstr(sub, want) != NULL, "natter-rpc(5): "
			    "method %s does not name its param %s", c->method,
			    p->name);
		}
	}
	free(doc);
}
END_TEST

/* Every subsection of METHODS is a method that exists. */
START_TEST(test_no_phantom_methods)
{
	char	*doc, *sec, *s, *nl;

	if ((doc = unit_source_file("man/natter-rpc.5")) == NULL)
		return;
	sec = rpcdoc_section(doc, "METHODS");
	for (s = strstr(sec, "\n.Ss "); s != NULL; s = strstr(nl, "\n.Ss ")) {
		s += strlen("\n.Ss ");
		nl = strchr(s, '\n');
		ck_assert(nl != NULL);
		*nl = '\0';
		ck_assert_msg(cli_find_method(s) != NULL, "natter-rpc(5) "
		    "documents method %s, which does not exist", s);
		*nl = '\n';
	}
	free(doc);
}
END_TEST

/* Every application error code (1000 + enum core_err) is listed. */
START_TEST(test_error_codes)
{
	char	*doc, *sec, want[32];
	int	 e;

	if ((doc = unit_source_file("man/natter-rpc.5")) == NULL)
		return;
	sec = rpcdoc_section(doc, "ERROR CODES");
	for (e = CORE_ERR_USAGE + 1; strcmp(core_strerror((enum core_err)e),
	    "unknown") != 0; e++) {
		snprintf(want, sizeof want, "\n.It %d\n%s",
		    rpc_error_code((enum core_err)e),
		    core_strerror((enum core_err)e));
		ck_assert_msg(strstr(sec, want) != NULL, "natter-rpc(5) lacks "
		    "error %d (%s)", rpc_error_code((enum core_err)e),
		    core_strerror((enum core_err)e));
	}
	free(doc);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("rpcdoc");
	TCase	*tc = tcase_create("rpcdoc");

	tcase_add_test(tc, test_methods_documented);
	tcase_add_test(tc, test_no_phantom_methods);
	tcase_add_test(tc, test_error_codes);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
