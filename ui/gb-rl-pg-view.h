/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-pg-view.h — the "Gradient variance" tab of the RL page: for the
 * policy-gradient agent on cart-pole, Measure plays N fresh episodes of its
 * current policy on a worker (a copy: the agent goes on learning) and draws
 * the spread of their gradient estimates with and without the baseline
 * (gb-rl-pg-paint.h). */
#pragma once

#include <gtk/gtk.h>

#include "gb-table.h"

#include "gb-paint.h"
#include "gb-rl-cart-agent.h"
#include "gb-rl-runner.h"

G_BEGIN_DECLS

#define GB_TYPE_RL_PG_VIEW (gb_rl_pg_view_get_type ())
G_DECLARE_FINAL_TYPE (GbRlPgView, gb_rl_pg_view, GB, RL_PG_VIEW, GtkWidget)

/* The agent (borrowed; NULL or not a neural policy gradient: nothing to measure), guarded by runner's lock. */
void gb_rl_pg_view_set_agent (GbRlPgView *self, GbCartAgent *agent, GbRlRunner *runner);
void gb_rl_pg_view_paint     (GbRlPgView *self, cairo_t *cr, int w, int h, const GbPalette *pal);

/* The last measurement's numbers (each episode's projected estimate, the variances), or NULL. */
GbTable *gb_rl_pg_view_table (GbRlPgView *self);

G_END_DECLS
