/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
#ifndef WF_UNIT_H
#define WF_UNIT_H

#include "t.h"

extern const struct t_case units_cases[];
extern const struct t_case rates_cases[];
extern const struct t_case config_cases[];
extern const struct t_case policy_cases[];
extern const struct t_case steer_cases[];
extern const struct t_case prom_cases[];
extern const struct t_case trust_cases[];
extern const struct t_case mesh_cases[];

#endif
