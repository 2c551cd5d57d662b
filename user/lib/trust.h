/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * trust.h - may a root daemon act on what this file says (a config) or run
 * it (a hook)? As sshd's StrictModes asks: the file and every directory
 * above it belong to root (or to whoever runs us), and no one else can
 * write them - a sticky directory such as /tmp only holds what its owner
 * made.
 */
#ifndef WF_TRUST_H
#define WF_TRUST_H

#include <stddef.h>

/*
 * 0 if path is trusted; -1 with `why` ("... is writable by group"). A
 * symlink as the last component is refused: whoever can change where it
 * points decides what is read.
 */
int trust_path(const char *path, char *why, size_t n);

#endif /* WF_TRUST_H */
