// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * mesh_files.c - what `wirefisher mesh generate` does to the file system:
 * WireGuard keys (libsodium's X25519, never printed, 0600, made with
 * O_EXCL and never replaced) and the generated files (written only when
 * their text or mode changed, each by an atomic rename).
 */
#include "mesh_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sodium.h>

int mesh_files_init(void)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "wirefisher: mesh: libsodium did not start\n");
		return -1;
	}
	return 0;
}

/* Write all of buf to fd. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * A new file in dir holding text, mode `mode`, made with O_EXCL (nothing
 * to follow or clobber) and synced; its name in tmp.
 */
static int write_temp(const char *path, const char *text, size_t len,
		      mode_t mode, char *tmp, size_t tmpn)
{
	int fd = -1;

	for (int i = 0; i < 100 && fd < 0; i++) {
		uint32_t r = randombytes_random();

		snprintf(tmp, tmpn, "%s.tmp%08x", path, r);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		fprintf(stderr, "wirefisher: %s: cannot create: %s\n", tmp,
			strerror(errno));
		return -1;
	}
	/* The umask may have taken bits away; it cannot add any. */
	if (fchmod(fd, mode) || write_all(fd, text, len) || fsync(fd)) {
		fprintf(stderr, "wirefisher: %s: cannot write: %s\n", tmp,
			strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Is path a regular file holding exactly text, with mode `mode`? */
static bool same_file(const char *path, const char *text, size_t len,
		      mode_t mode)
{
	struct stat st;
	char *old;
	bool same = false;
	FILE *f;

	if (lstat(path, &st) || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 07777) != mode || (size_t)st.st_size != len)
		return false;
	f = fopen(path, "r");
	old = malloc(len + 1);
	if (f && old && fread(old, 1, len + 1, f) == len)
		same = !memcmp(old, text, len);
	free(old);
	if (f)
		fclose(f);
	return same;
}

int mesh_file_put(const char *path, const char *text, size_t len, mode_t mode)
{
	char tmp[PATH_MAX + 16];

	if (same_file(path, text, len, mode))
		return 0;
	if (write_temp(path, text, len, mode, tmp, sizeof(tmp)))
		return -1;
	if (rename(tmp, path)) {
		fprintf(stderr, "wirefisher: %s: cannot replace: %s\n", path,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 1;
}

int mesh_dir(const char *path, mode_t mode, bool private)
{
	struct stat st;

	if (mkdir(path, mode) && errno != EEXIST) {
		fprintf(stderr, "wirefisher: %s: cannot make: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (lstat(path, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "wirefisher: %s: not a directory\n", path);
		return -1;
	}
	if (private && (st.st_mode & 077)) {
		fprintf(stderr,
			"wirefisher: %s holds private keys but is mode %04o; "
			"chmod 700 it (and ask who may have read them)\n",
			path, st.st_mode & 07777);
		return -1;
	}
	return 0;
}

/* base64 as wg(8) writes keys: 44 characters with one '='. */
static void to_b64(const uint8_t key[32], char out[MESH_KEY_B64])
{
	sodium_bin2base64(out, MESH_KEY_B64, key, 32,
			  sodium_base64_VARIANT_ORIGINAL);
}

/* Read a private key file: 0600, one base64 key (and a newline). */
static int read_key(const char *path, uint8_t key[32])
{
	char text[128];
	struct stat st;
	size_t len, bin_len = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = -1;
	ssize_t got;

	if (fd < 0) {
		fprintf(stderr, "wirefisher: %s: cannot open: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "wirefisher: %s: not a regular file\n", path);
		goto out;
	}
	if (st.st_mode & 077) {
		fprintf(stderr,
			"wirefisher: %s is mode %04o: a private key must be "
			"readable by its owner only; chmod 600 it (and ask "
			"who may have read it)\n",
			path, st.st_mode & 07777);
		goto out;
	}
	got = read(fd, text, sizeof(text) - 1);
	len = got > 0 ? (size_t)got : 0;
	text[len] = '\0';
	len = strcspn(text, "\r\n");
	text[len] = '\0';
	if (len != MESH_KEY_B64 - 1 ||
	    sodium_base642bin(key, 32, text, len, NULL, &bin_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    bin_len != 32) {
		fprintf(stderr,
			"wirefisher: %s: not a WireGuard private key (one "
			"base64 line of 32 bytes, as wg genkey writes)\n",
			path);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(text, sizeof(text));
	close(fd);
	return rc;
}

int mesh_key_get(const char *dir, const char *node, char pub[MESH_KEY_B64],
		 char priv[MESH_KEY_B64], bool *made)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16], b64[MESH_KEY_B64 + 1];
	uint8_t sk[32], pk[32];
	int rc = -1;

	snprintf(path, sizeof(path), "%s/%s.key", dir, node);
	*made = false;
	if (access(path, F_OK) == 0) {
		if (read_key(path, sk))
			return -1;
	} else {
		/* As wg genkey: 32 random bytes, clamped for X25519. */
		randombytes_buf(sk, sizeof(sk));
		sk[0] &= 248;
		sk[31] = (sk[31] & 127) | 64;
		to_b64(sk, b64);
		b64[MESH_KEY_B64 - 1] = '\n';
		if (write_temp(path, b64, MESH_KEY_B64, 0600, tmp, sizeof(tmp)))
			goto out;
		/* link(): never replaces a key another run just made. */
		if (link(tmp, path)) {
			fprintf(stderr, "wirefisher: %s: cannot create: %s\n",
				path, strerror(errno));
			unlink(tmp);
			goto out;
		}
		unlink(tmp);
		*made = true;
	}
	if (crypto_scalarmult_base(pk, sk)) {
		fprintf(stderr, "wirefisher: %s: not a usable key\n", path);
		goto out;
	}
	to_b64(sk, priv);
	to_b64(pk, pub);
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(b64, sizeof(b64));
	return rc;
}

void mesh_key_wipe(char *key, size_t n)
{
	sodium_memzero(key, n);
}
