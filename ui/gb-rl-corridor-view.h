/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-corridor-view.h — the "Short corridor" tab of the RL page: REINFORCE
 * without and with a baseline learning Sutton & Barto's short corridor side
 * by side (the book's step sizes, one seed), drawn on the exact v(p)
 * (gb-rl-corridor-paint.h). An episode is a few dozen steps, so both learn
 * on the frame clock, a bounded number of episodes a frame. */
#pragma once

#include <gtk/gtk.h>

#include "gb-table.h"

#include "gb-paint.h"

G_BEGIN_DECLS

#define GB_TYPE_RL_CORRIDOR_VIEW (gb_rl_corridor_view_get_type ())
G_DECLARE_FINAL_TYPE (GbRlCorridorView, gb_rl_corridor_view, GB, RL_CORRIDOR_VIEW, GtkWidget)

/* Stops it ("running" notifies). */
void gb_rl_corridor_view_stop  (GbRlCorridorView *self);
void gb_rl_corridor_view_paint (GbRlCorridorView *self, cairo_t *cr, int w, int h, const GbPalette *pal);

/* The curves' numbers (p and the return per episode of both learners), or NULL before a run. */
GbTable *gb_rl_corridor_view_table (GbRlCorridorView *self);

G_END_DECLS
