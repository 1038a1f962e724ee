/* output: events and results as contract JSON lines or as text for people. */
#ifndef NATTER_CLIENT_CLI_OUTPUT_H
#define NATTER_CLIENT_CLI_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

struct core_event;

/*
 * The contract object for a MESSAGE or RECEIPT event (DESIGN.md section 4):
 * a new reference, or NULL for other event types.  Text that is not valid
 * UTF-8 has its bad bytes replaced by U+FFFD.
 */
json_t	*output_event_json(const struct core_event *);

/* A JSON string of s, with invalid UTF-8 replaced; never NULL. */
json_t	*output_string(const char *s);
/* A message's file as natter(1) shows it in JSON; null for NULL. */
struct core_attachment;
json_t	*output_attachment_json(const struct core_attachment *);

/* Print o compactly on one line and flush.  0, or -1 on a write error. */
int	 output_json_line(FILE *, const json_t *);

/* Print a message or receipt event object for people, and flush. */
int	 output_event_human(FILE *, const json_t *);
void	 output_message_human(FILE *, const json_t *);
/* A group_change event for people: "[when] #g: bob added carol". */
void	 output_change_human(FILE *, const json_t *);

/*
 * Write s for a terminal: control characters (which could drive the
 * terminal) are shown as ^X or U+FFFD, newlines are indented by indent
 * spaces.
 */
void	 output_text(FILE *, const char *s, int indent);

#endif
