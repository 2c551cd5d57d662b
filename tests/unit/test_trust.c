// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_trust.c - which config and hook files the daemon may act on
 * (lib/trust.c), in a directory tree made for each case under /tmp.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "trust.h"
#include "unit.h"

struct tree {
	char dir[64];	     /* /tmp/wf-trust-XXXXXX, 0755 */
	char file[PATH_MAX]; /* dir/f.yaml, 0644 */
};

static int tree_make(struct tree *t)
{
	FILE *f;

	snprintf(t->dir, sizeof(t->dir), "/tmp/wf-trust-XXXXXX");
	if (!mkdtemp(t->dir) || chmod(t->dir, 0755))
		return -1;
	snprintf(t->file, sizeof(t->file), "%s/f.yaml", t->dir);
	f = fopen(t->file, "w");
	if (!f)
		return -1;
	fclose(f);
	return chmod(t->file, 0644);
}

static void tree_remove(struct tree *t)
{
	char link[PATH_MAX];

	snprintf(link, sizeof(link), "%s/link.yaml", t->dir);
	unlink(link);
	unlink(t->file);
	rmdir(t->dir);
}

/* trust_path(path) gives `want` (0/-1) and, when refused, says `why`. */
static void expect(const char *path, int want, const char *why)
{
	char got[PATH_MAX + 128] = "";
	int rc = trust_path(path, got, sizeof(got));

	CHECK(rc == want, "%s: got %d (%s), want %d", path, rc, got, want);
	if (why)
		CHECK(strstr(got, why), "%s: \"%s\" does not say \"%s\"", path,
		      got, why);
}

static void test_modes(void)
{
	struct tree t;
	char link[PATH_MAX];

	CHECK(tree_make(&t) == 0, "cannot make a tree under /tmp");
	/* /tmp is sticky and root's: what sits in it may be trusted. */
	expect(t.file, 0, NULL);
	chmod(t.file, 0664);
	expect(t.file, -1, "writable by its group (mode 0664)");
	chmod(t.file, 0646);
	expect(t.file, -1, "writable by other users");
	chmod(t.file, 0644);
	chmod(t.dir, 0777);
	expect(t.file, -1, "is writable by other users (mode 0777)");
	chmod(t.dir, 01777); /* sticky, but not root's: anyone's entries */
	expect(t.file, geteuid() == 0 ? 0 : -1, NULL);
	chmod(t.dir, 0755);
	snprintf(link, sizeof(link), "%s/link.yaml", t.dir);
	CHECK(symlink(t.file, link) == 0, "symlink");
	expect(link, -1, "is a symlink");
	expect("/nonexistent/wf.yaml", -1, "No such file");
	tree_remove(&t);
}

/* A file someone else owns, when we are root and can make one. */
static void test_owner(void)
{
	struct tree t;

	if (geteuid() != 0)
		return;
	CHECK(tree_make(&t) == 0, "cannot make a tree under /tmp");
	CHECK(chown(t.file, 65534, 65534) == 0, "chown");
	expect(t.file, -1, "belongs to uid 65534, not root");
	CHECK(chown(t.file, 0, 0) == 0 && chown(t.dir, 65534, 65534) == 0,
	      "chown");
	expect(t.file, -1, "belongs to uid 65534");
	CHECK(chown(t.dir, 0, 0) == 0, "chown");
	tree_remove(&t);
}

const struct t_case trust_cases[] = { { "modes", test_modes },
				      { "owner", test_owner },
				      { 0 } };
