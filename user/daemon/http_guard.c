// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * http_guard.c - who may ask the HTTP endpoint what (see http_int.h).
 *
 * Reading is open on loopback (Prometheus scrapes need no credentials);
 * switching a route needs what `wirefisher switch` needs, root: a token
 * only root can read, in a file the daemon makes at start. Browsers are
 * kept out of both: a page may send a cross-origin form POST without a
 * preflight, and by DNS rebinding its own name may point at 127.0.0.1, so
 * any request with an Origin header, or with a Host that is not the listen
 * address, is refused.
 */
#include "http_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "log.h"
#include "trust.h"

#define RUN_DIR "/run/wirefisher"
#define BPFFS	"/sys/fs/bpf/"

void http_guard_init(struct http *h, const struct wf_cfg_http *hc,
		     const char *pin_dir)
{
	static const uint8_t zero[16];
	const char *rel = pin_dir;
	size_t n;

	h->family = hc->family;
	memcpy(h->addr, hc->addr, sizeof(h->addr));
	h->port = hc->port;
	h->wildcard = !memcmp(hc->addr, zero, hc->family == 4 ? 4 : 16);
	h->loopback = hc->family == 4 ?
			      hc->addr[0] == 127 :
			      !memcmp(hc->addr, zero, 15) && hc->addr[15] == 1;
	/*
	 * One token per pin directory (one daemon each, by its lock):
	 * /sys/fs/bpf/a/b -> /run/wirefisher/a.b.http-token. Pin directory
	 * names have no dots, so no two directories share a file.
	 */
	if (!strncmp(rel, BPFFS, sizeof(BPFFS) - 1))
		rel += sizeof(BPFFS) - 1;
	n = (size_t)snprintf(h->token_path, sizeof(h->token_path),
			     RUN_DIR "/%s.http-token", rel);
	for (size_t i = sizeof(RUN_DIR); i < n && i < sizeof(h->token_path);
	     i++)
		if (h->token_path[i] == '/')
			h->token_path[i] = '.';
}

/* RUN_DIR exists, root's, writable by no one else. 0 or -1 (why says). */
static int run_dir_ready(char *why, size_t n)
{
	if (mkdir(RUN_DIR, 0755) && errno != EEXIST) {
		snprintf(why, n, "cannot make %s: %s", RUN_DIR,
			 strerror(errno));
		return -1;
	}
	return trust_path(RUN_DIR, why, n);
}

/* Write the token to path, 0600, replacing what was there at once. */
static int token_write(const char *path, const char *token, char *why, size_t n)
{
	char tmp[PATH_MAX + 8];
	int fd, err = 0;
	ssize_t len = (ssize_t)strlen(token);

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0 || fchmod(fd, 0600) ||
	    write(fd, token, (size_t)len) != len || write(fd, "\n", 1) != 1)
		err = errno ? errno : EIO;
	if (fd >= 0 && close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		unlink(tmp);
		snprintf(why, n, "cannot write %s: %s", path, strerror(err));
		return -1;
	}
	return 0;
}

void http_token_create(struct http *h)
{
	uint8_t raw[HTTP_TOKEN_HEX / 2];
	char why[PATH_MAX + 128];

	h->token[0] = '\0';
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		log_warn("POST /paths/switch is off: no random bytes for its "
			 "token: %s",
			 strerror(errno));
		return;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(h->token + 2 * i, 3, "%02x", raw[i]);
	errno = 0;
	if (run_dir_ready(why, sizeof(why)) ||
	    token_write(h->token_path, h->token, why, sizeof(why))) {
		h->token[0] = '\0';
		log_warn("POST /paths/switch is off: %s (under systemd, the "
			 "unit's RuntimeDirectory=wirefisher makes %s)",
			 why, RUN_DIR);
		return;
	}
	log_info("POST /paths/switch needs the token in %s (root only)",
		 h->token_path);
}

void http_token_remove(struct http *h)
{
	if (h->token[0])
		unlink(h->token_path);
	h->token[0] = '\0';
}

/* The host part of a Host header, as the listen address would be written. */
static bool host_name_ok(const struct http *h, const char *name, size_t len)
{
	char buf[INET6_ADDRSTRLEN];
	uint8_t a[16] = { 0 };
	int fam = 0;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, name, len);
	buf[len] = '\0';
	/* A page's own name (rebinding) never gets here; localhost is ours. */
	if (!strcasecmp(buf, "localhost"))
		return h->loopback || h->wildcard;
	if (inet_pton(AF_INET, buf, a) == 1)
		fam = 4;
	else if (inet_pton(AF_INET6, buf, a) == 1)
		fam = 6;
	if (!fam)
		return false;
	/* On a wildcard, any address of this host: a literal is no name. */
	return h->wildcard ||
	       (fam == h->family && !memcmp(a, h->addr, fam == 4 ? 4 : 16));
}

/* "ADDR:PORT", "[V6]:PORT", or without the port if it is 80. */
static bool host_ok(const struct http *h, const char *host)
{
	const char *end, *port;
	char want[8];

	if (host[0] == '[') {
		end = strchr(host, ']');
		if (!end || (end[1] && end[1] != ':'))
			return false;
		port = end[1] ? end + 2 : NULL;
		host++;
	} else {
		port = strchr(host, ':');
		end = port ? port++ : host + strlen(host);
	}
	snprintf(want, sizeof(want), "%u", h->port);
	if (port ? strcmp(port, want) : h->port != 80)
		return false;
	return host_name_ok(h, host, (size_t)(end - host));
}

const char *http_guard_request(const struct http *h, struct MHD_Connection *c)
{
	const char *origin =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");

	if (origin)
		return "requests from web pages (with an Origin header) are "
		       "refused";
	/* No Host only from HTTP/1.0 clients, never from a browser. */
	if (host && !host_ok(h, host))
		return "the Host header must name the listen address (DNS "
		       "rebinding)";
	return NULL;
}

/* Compare in time independent of where they differ. */
static bool same_secret(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

bool http_authorized(const struct http *h, struct MHD_Connection *c)
{
	static const char bearer[] = "Bearer ";
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    "Authorization");

	if (!h->token[0] || !v || strncasecmp(v, bearer, sizeof(bearer) - 1))
		return false;
	v += sizeof(bearer) - 1;
	return strlen(v) == HTTP_TOKEN_HEX &&
	       same_secret(v, h->token, HTTP_TOKEN_HEX);
}
