/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
#ifndef WF_VERSION_H
#define WF_VERSION_H

#ifndef WF_VERSION
#define WF_VERSION "0.1.0"
#endif

#endif /* WF_VERSION_H */
