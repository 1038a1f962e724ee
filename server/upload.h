/* upload: POST /v1/assets (an upload, or its resumption) and HEAD /v1/uploads/ID. */
#ifndef NATTER_SERVER_UPLOAD_H
#define NATTER_SERVER_UPLOAD_H

#include "server/http.h"

/* http.c's routes: POST /v1/assets, and HEAD /v1/uploads/ID (how many
 * bytes of that blob the token's device has uploaded so far). */
extern const struct http_route_ops	upload_ops;
extern const struct http_route_ops	upload_query_ops;

#endif
