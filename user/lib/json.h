/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* json.h - a JSON string, quoted and escaped, for the few writers of JSON. */
#ifndef WF_JSON_H
#define WF_JSON_H

#include <stdio.h>

static inline void json_str(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(o, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(o, "\\u%04x", ch);
		else
			fputc(ch, o);
	}
	fputc('"', o);
}

#endif /* WF_JSON_H */
