/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * mesh_files.h - keys and files of `wirefisher mesh generate` (libsodium
 * for X25519 and randomness: no curve arithmetic of our own).
 */
#ifndef WF_CMD_MESH_FILES_H
#define WF_CMD_MESH_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MESH_KEY_B64 45 /* 44 base64 characters and the NUL */

/* Start libsodium; -1 (reported) if it cannot. */
int mesh_files_init(void);

/*
 * The key pair of node in dir/NODE.key: read it if there (it must be
 * 0600 and one base64 key), else make it (0600, O_EXCL, linked into place
 * so a key is never replaced). *made says which. -1 after reporting.
 */
int mesh_key_get(const char *dir, const char *node, char pub[MESH_KEY_B64],
		 char priv[MESH_KEY_B64], bool *made);
void mesh_key_wipe(char *key, size_t n);

/*
 * Make directory path (mode) if absent; with private, refuse one that
 * others may read. -1 after reporting.
 */
int mesh_dir(const char *path, mode_t mode, bool private);

/*
 * path holds text with mode `mode` afterwards: 0 it already did (left
 * untouched), 1 written (a new file renamed into place), -1 reported.
 */
int mesh_file_put(const char *path, const char *text, size_t len, mode_t mode);

#endif /* WF_CMD_MESH_FILES_H */
