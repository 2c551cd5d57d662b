/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * docker.h - a docker container's id from its name, read from the
 * engine's state on disk (no engine API).
 */
#ifndef WF_DOCKER_H
#define WF_DOCKER_H

#include <stddef.h>

/*
 * The id (64 hex digits) of the container named `name`. Docker keeps each
 * container's configuration in <data-root>/containers/<id>/config.v2.json,
 * its name there as "Name":"/<name>". The data roots looked in: that of
 * every running dockerd run by root (its --data-root, or the old --graph),
 * and /var/lib/docker. Only files root owns count (a user's rootless
 * engine names its own containers). Returns 0, -1 with `why` when no
 * container has that name, CGROUP_AMBIGUOUS (cgroup.h) when two engines
 * each have one.
 */
int docker_find_name(const char *name, char *id, size_t idn, char *why,
		     size_t n);

#endif /* WF_DOCKER_H */
