/* download: GET and HEAD /v1/assets/ID: a blob, whole or a range. */
#ifndef NATTER_SERVER_DOWNLOAD_H
#define NATTER_SERVER_DOWNLOAD_H

#include "server/http.h"

/* http.c's route for GET and HEAD under /v1/assets/. */
extern const struct http_route_ops	download_ops;

#endif
