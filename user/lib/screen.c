// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "screen.h"

#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

static int winsize(FILE *out, struct winsize *ws)
{
	int fd = fileno(out);

	memset(ws, 0, sizeof(*ws));
	if (fd < 0 || !isatty(fd) || ioctl(fd, TIOCGWINSZ, ws))
		return -1;
	return 0;
}

int screen_width(FILE *out)
{
	struct winsize ws;

	return winsize(out, &ws) ? 0 : ws.ws_col;
}

int screen_rows(FILE *out)
{
	struct winsize ws;

	return winsize(out, &ws) ? 0 : ws.ws_row;
}

void screen_draw(FILE *out, const char *frame, size_t len)
{
	const char *p = frame, *end = frame + len;

	fputs("\033[H", out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		fwrite(p, 1, n, out);
		fputs("\033[K\n", out);
		p += n + (nl != NULL);
	}
	fputs("\033[J", out);
	fflush(out);
}

const char *screen_fit(const char *s, int width, char *buf, size_t n)
{
	size_t len = strlen(s), head, tail;

	if (width < 5 || (int)len <= width || (size_t)width >= n)
		return s;
	head = (size_t)(width - 2) / 2;
	tail = (size_t)(width - 2) - head;
	memcpy(buf, s, head);
	memcpy(buf + head, "..", 2);
	memcpy(buf + head + 2, s + len - tail, tail + 1);
	return buf;
}
