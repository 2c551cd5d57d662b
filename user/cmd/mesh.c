// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * mesh.c - `wirefisher mesh check|generate -t TOPOLOGY [-o DIR]`: a
 * WireGuard mesh with relays and the steering configs that match it, from
 * one topology file. The plan is policy/mesh.c's; this file reads the
 * topology, gets the keys and writes the files:
 *
 *   DIR/keys/NODE.key        private key, 0600 (made once, kept)
 *   DIR/keys/NODE.pub        public key
 *   DIR/NODE/IFACE.conf      wg-quick config of one path, 0600 (it holds
 *                            the private key)
 *   DIR/NODE/wirefisher.yaml the node's wirefisher config
 *   DIR/NODE/host.sh         sysctls, steering address, anchor routes
 */
#include "cmd.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mesh.h"
#include "mesh_files.h"
#include "topology.h"

#define HEADER "# wirefisher mesh: generated from "

/* Paths are checked for truncation where they are made. */
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

enum { ACT_NONE, ACT_CHECK, ACT_GENERATE };

struct mesh_args {
	int action;
	const char *topology;
	const char *out;
};

static const struct argp_option options[] = {
	{ "topology", 't', "FILE", 0, "The topology file (required)", 0 },
	{ "out", 'o', "DIR", 0,
	  "generate: the directory to write into (made if absent)", 0 },
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct mesh_args *a = state->input;

	switch (key) {
	case 't':
		a->topology = arg;
		return 0;
	case 'o':
		a->out = arg;
		return 0;
	case ARGP_KEY_ARG:
		if (a->action != ACT_NONE)
			argp_error(state, "unexpected argument \"%s\"", arg);
		else if (!strcmp(arg, "check"))
			a->action = ACT_CHECK;
		else if (!strcmp(arg, "generate"))
			a->action = ACT_GENERATE;
		else
			argp_error(state,
				   "unknown action \"%s\"; write check or "
				   "generate",
				   arg);
		return 0;
	case ARGP_KEY_END:
		if (a->action == ACT_NONE)
			argp_error(state, "say check or generate");
		if (!a->topology)
			argp_error(state, "-t TOPOLOGY is required");
		if (a->action == ACT_GENERATE && !a->out)
			argp_error(state, "generate needs -o DIR");
		if (a->action == ACT_CHECK && a->out)
			argp_error(state, "check writes nothing; -o is for "
					  "generate");
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

struct tally {
	int written, unchanged, removed, keys_made, keys_kept;
};

/* Put text (from a memstream) at DIR/NAME, counted and said. */
static int put(const char *dir, const char *name, char *text, size_t len,
	       mode_t mode, struct tally *tl)
{
	char path[PATH_MAX];
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		fprintf(stderr, "wirefisher: %s/%s: path too long\n", dir,
			name);
		return -1;
	}
	rc = mesh_file_put(path, text, len, mode);
	if (rc == 1) {
		printf("wrote     %s\n", path);
		tl->written++;
	} else if (rc == 0) {
		tl->unchanged++;
	}
	return rc < 0 ? -1 : 0;
}

/* Does path start with our header line? */
static bool ours(const char *path)
{
	char line[sizeof(HEADER) + 8] = "", *nl;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	/* host.sh starts with #!/bin/sh, then the header. */
	if (!strncmp(line, "#!", 2) && !fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	return !strncmp(line, HEADER, sizeof(HEADER) - 1);
}

/*
 * Remove the files of ours in dir that the plan no longer makes (a pair or
 * a relay taken out of the topology); the user's own files stay.
 */
static void remove_stale(const char *dir, const struct mesh_node_plan *np,
			 struct tally *tl)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d))) {
		const char *dot = strrchr(e->d_name, '.');
		bool keep = false;

		if (!dot || strcmp(dot, ".conf"))
			continue;
		for (int k = 0; k < np->n_ifaces && !keep; k++)
			keep = (size_t)(dot - e->d_name) ==
				       strlen(np->ifaces[k].name) &&
			       !strncmp(e->d_name, np->ifaces[k].name,
					(size_t)(dot - e->d_name));
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     e->d_name) >= sizeof(path) ||
		    keep || !ours(path))
			continue;
		if (unlink(path) == 0) {
			printf("removed   %s\n", path);
			tl->removed++;
		}
	}
	closedir(d);
}

/* The node's wirefisher config must be one the daemon takes. */
static int validate(const char *name, const char *text, size_t len)
{
	struct wf_config *cfg = malloc(sizeof(*cfg));
	int errors;

	if (!cfg)
		return -1;
	errors = config_parse(name, text, len, cfg, stderr);
	free(cfg);
	if (errors)
		fprintf(stderr,
			"wirefisher: mesh: the config made for %s does not "
			"parse (a bug in the generator); nothing more is "
			"written\n",
			name);
	return errors ? -1 : 0;
}

static int write_node(const struct mesh_plan *p, int n, const char *out,
		      const char *source, const struct mesh_keys *keys,
		      struct tally *tl)
{
	const struct mesh_node_plan *np = &p->nodes[n];
	char dir[PATH_MAX], *text = NULL, name[64];
	size_t len = 0;
	FILE *f;
	int rc = 0;

	snprintf(dir, sizeof(dir), "%s/%s", out, p->t->nodes[n].name);
	if (mesh_dir(dir, 0755, false))
		return -1;
	for (int k = 0; k < np->n_ifaces && !rc; k++) {
		f = open_memstream(&text, &len);
		if (!f)
			return -1;
		mesh_write_wg(p, n, k, keys, source, f);
		fclose(f);
		snprintf(name, sizeof(name), "%s.conf", np->ifaces[k].name);
		rc = put(dir, name, text, len, 0600, tl);
		mesh_key_wipe(text, len);
		free(text);
		text = NULL;
	}
	f = rc ? NULL : open_memstream(&text, &len);
	if (f) {
		mesh_write_wirefisher(p, n, source, f);
		fclose(f);
		snprintf(name, sizeof(name), "%s/wirefisher.yaml",
			 p->t->nodes[n].name);
		rc = validate(name, text, len);
		if (!rc)
			rc = put(dir, "wirefisher.yaml", text, len, 0644, tl);
		free(text);
		text = NULL;
	}
	f = rc ? NULL : open_memstream(&text, &len);
	if (f) {
		mesh_write_host(p, n, source, f);
		fclose(f);
		rc = put(dir, "host.sh", text, len, 0755, tl);
		free(text);
	}
	if (!rc)
		remove_stale(dir, np, tl);
	return rc;
}

/*
 * Directories of DIR that hold a wirefisher.yaml of ours but name no node
 * of the topology any more: said, not removed (its keys may be wanted).
 */
static void note_old_nodes(const struct wf_topology *t, const char *out)
{
	DIR *d = opendir(out);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d))) {
		bool node = !strcmp(e->d_name, "keys") || e->d_name[0] == '.';

		for (int n = 0; n < t->n_nodes && !node; n++)
			node = !strcmp(e->d_name, t->nodes[n].name);
		if (node ||
		    (size_t)snprintf(path, sizeof(path),
				     "%s/%s/wirefisher.yaml", out,
				     e->d_name) >= sizeof(path) ||
		    !ours(path))
			continue;
		printf("not in the topology any more: %s/%s (left as it is; "
		       "remove it and keys/%s.* when that node is gone)\n",
		       out, e->d_name, e->d_name);
	}
	closedir(d);
}

static int generate(const struct mesh_plan *p, const char *out,
		    const char *source)
{
	const struct wf_topology *t = p->t;
	static char pub[WF_MESH_MAX_NODES][MESH_KEY_B64];
	static char priv[WF_MESH_MAX_NODES][MESH_KEY_B64];
	struct mesh_keys keys = { 0 };
	struct tally tl = { 0 };
	char kdir[PATH_MAX];
	int rc = 0, n;

	if (mesh_files_init() || mesh_dir(out, 0755, false))
		return 1;
	snprintf(kdir, sizeof(kdir), "%s/keys", out);
	if (mesh_dir(kdir, 0700, true))
		return 1;
	for (n = 0; n < t->n_nodes && !rc; n++) {
		char name[64];
		bool made;

		rc = mesh_key_get(kdir, t->nodes[n].name, pub[n], priv[n],
				  &made);
		if (rc)
			break;
		if (made)
			printf("new key   %s/%s.key\n", kdir, t->nodes[n].name);
		tl.keys_made += made;
		tl.keys_kept += !made;
		keys.pub[n] = pub[n];
		snprintf(name, sizeof(name), "%s.pub", t->nodes[n].name);
		pub[n][MESH_KEY_B64 - 1] = '\n';
		rc = put(kdir, name, pub[n], MESH_KEY_B64, 0644, &tl);
		pub[n][MESH_KEY_B64 - 1] = '\0';
	}
	for (n = 0; n < t->n_nodes && !rc; n++) {
		keys.priv = priv[n];
		rc = write_node(p, n, out, source, &keys, &tl);
	}
	mesh_key_wipe(&priv[0][0], sizeof(priv));
	if (rc) {
		fprintf(stderr, "wirefisher: mesh: stopped; files written "
				"before this stay as they are\n");
		return 1;
	}
	note_old_nodes(t, out);
	printf("%s: %d nodes: %d files written, %d unchanged, %d removed; "
	       "keys: %d new, %d kept\n",
	       out, t->n_nodes, tl.written, tl.unchanged, tl.removed,
	       tl.keys_made, tl.keys_kept);
	return 0;
}

int cmd_mesh(int argc, char **argv)
{
	static const struct argp argp = {
		options,
		parse,
		"check|generate",
		"Plan a WireGuard mesh with relays from a topology file and "
		"write every node's keys, wg-quick configs (one interface "
		"per path: direct, and through each relay), wirefisher "
		"config and host settings.\v"
		"check: read the topology, print the plan (interfaces, "
		"ports, addresses, probe targets, routes); exit 0 if valid, "
		"1 if not. generate: the same, then write DIR/keys/ and "
		"DIR/NODE/ for every node. Keys are made once and kept; a "
		"file is rewritten only when its content changes. See "
		"README, \"Build a mesh\".",
		NULL,
		NULL,
		NULL
	};
	struct mesh_args a = { 0 };
	struct wf_topology *t = malloc(sizeof(*t));
	struct mesh_plan *p = malloc(sizeof(*p));
	int rc = 1, errors;

	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		goto out;
	if (!t || !p) {
		fprintf(stderr, "wirefisher: out of memory\n");
		goto out;
	}
	if (a.out && strlen(a.out) > PATH_MAX - 64) {
		fprintf(stderr,
			"wirefisher: mesh: -o %.64s...: path too long\n",
			a.out);
		goto out;
	}
	errors = topology_load(a.topology, t, stderr);
	if (!errors)
		errors = mesh_plan(t, p, stderr);
	if (errors) {
		fprintf(stderr,
			"wirefisher: %s: %d error%s; nothing was written\n",
			a.topology, errors, errors == 1 ? "" : "s");
		goto out;
	}
	if (a.action == ACT_CHECK) {
		printf("%s: valid\n", a.topology);
		mesh_write_summary(p, stdout);
		rc = 0;
	} else {
		rc = generate(p, a.out, base_name(a.topology));
	}
out:
	free(t);
	free(p);
	return rc;
}
