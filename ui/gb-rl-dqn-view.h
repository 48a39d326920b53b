/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-dqn-view.h — the "Q-network" tab of the RL page: inside the DQN
 * learning cart-pole (gb-rl-dqn-paint.h), with the x and ẋ at which Q is
 * drawn, and the replay buffer's colouring.
 *
 * While it is on screen it copies the agent out a few times a second under
 * the runner's lock (never waiting while the runner plays) and works the
 * copy out (Q over the plane, the buffer's TD errors) on a worker; the frame
 * clock only draws. */
#pragma once

#include <gtk/gtk.h>

#include "gb-table.h"

#include "gb-frame-stats.h"
#include "gb-paint.h"
#include "gb-rl-cart-agent.h"
#include "gb-rl-runner.h"

G_BEGIN_DECLS

#define GB_TYPE_RL_DQN_VIEW (gb_rl_dqn_view_get_type ())
G_DECLARE_FINAL_TYPE (GbRlDqnView, gb_rl_dqn_view, GB, RL_DQN_VIEW, GtkWidget)

/* The agent to look into (borrowed; NULL or not a DQN: nothing), guarded by runner's lock. */
void gb_rl_dqn_view_set_agent (GbRlDqnView *self, GbCartAgent *agent, GbRlRunner *runner);
void gb_rl_dqn_view_paint     (GbRlDqnView *self, cairo_t *cr, int w, int h, const GbPalette *pal);
/* Frames in which the view drew are counted there (borrowed; may be NULL). */
void gb_rl_dqn_view_set_frame_stats (GbRlDqnView *self, GbFrameStats *stats);

/* The curves' numbers (one row per episode), or NULL before an episode. */
GbTable *gb_rl_dqn_view_table (GbRlDqnView *self);

G_END_DECLS
