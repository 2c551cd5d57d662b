/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * docker.h - a container's id from its name, read from what the engines
 * leave on disk and in /proc (no engine API).
 */
#ifndef WF_DOCKER_H
#define WF_DOCKER_H

#include <stddef.h>

/*
 * The id (64 hex digits) of the container named `name`.
 * - docker keeps each container's configuration in
 *   <data-root>/containers/<id>/config.v2.json, its name there as
 *   "Name":"/<name>". The data roots looked in: that of every running
 *   dockerd run by root (its --data-root, or the old --graph), and
 *   /var/lib/docker. Only files root owns count.
 * - podman (rootful: no daemon) runs each container under a conmon
 *   started with its id and name (-c ID -n NAME): root's conmons count.
 * A user's rootless engine names its own containers: not looked at.
 * Returns 0, -1 with `why` when no container has that name,
 * CGROUP_AMBIGUOUS (cgroup.h) when two have it.
 */
int container_find_name(const char *name, char *id, size_t idn, char *why,
			size_t n);

#endif /* WF_DOCKER_H */
