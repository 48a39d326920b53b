/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cart-view.h — cart-pole under any of its learners (GbCartAgent): the last episode replayed in
 * real time (and scrubbed), the policy and the returns, and a live episode
 * driven with ← →.
 *
 * The view owns the agent the page gives it (the page builds, saves and
 * loads it), and its step size and discount as properties ("lr", "gamma":
 * they apply at once, under the runner's lock); the view runs its
 * episodes — on the page's GbRlRunner when playing (gb_rl_cart_view_run_episode
 * is the runner's step), one at a time for Step — and keeps what it shows:
 * the episode on show, a copy of the returns and weights as of its last
 * frame, the replay position and the drive. It follows the worker from its
 * own frame clock tick, never waiting for the runner's lock. */
#pragma once

#include <gtk/gtk.h>

#include "gb-table.h"

#include "gb-rl-cart-agent.h"
#include "gb-frame-stats.h"
#include "gb-paint.h"
#include "gb-rl-runner.h"

G_BEGIN_DECLS

#define GB_TYPE_RL_CART_VIEW (gb_rl_cart_view_get_type ())
G_DECLARE_FINAL_TYPE (GbRlCartView, gb_rl_cart_view, GB, RL_CART_VIEW, GtkWidget)

/* A new agent (taken), with the runner whose lock guards it; forgets the
 * episodes shown and the drive (seeded from seed); "lr" and "gamma" become
 * the agent's. Only while the runner is stopped. */
void     gb_rl_cart_view_set_agent (GbRlCartView *self, GbCartAgent *agent, GbRlRunner *runner, guint64 seed);
GbCartAgent *gb_rl_cart_view_get_agent (GbRlCartView *self);
/* Settings that take effect at once (gb_cart_agent_apply), under the lock. */
gboolean gb_rl_cart_view_apply (GbRlCartView *self, const GbCartSettings *s, GError **error);
/* The runner's step while playing (data: the view): one episode. */
gint64   gb_rl_cart_view_run_episode (gpointer self, gint64 max);
/* Whether the page is playing (the newest episode is taken when the one on
 * show has been replayed to its end). */
void     gb_rl_cart_view_set_playing (GbRlCartView *self, gboolean playing);
/* Step: one episode now (the agent learns from it), shown from its start. */
void     gb_rl_cart_view_step      (GbRlCartView *self);
/* Step back: one step back through the episode on show. */
void     gb_rl_cart_view_step_back (GbRlCartView *self);
/* Follow the newest episodes again after scrubbing. */
void     gb_rl_cart_view_follow    (GbRlCartView *self);
/* Driving: a live episode, pushed with ← → ("driving" notifies). */
void     gb_rl_cart_view_set_driving (GbRlCartView *self, gboolean driving);
gboolean gb_rl_cart_view_get_driving (GbRlCartView *self);
/* Frames in which the view drew are counted there (borrowed; may be NULL). */
void     gb_rl_cart_view_set_frame_stats (GbRlCartView *self, GbFrameStats *stats);
/* Draws what is on show into any cairo_t (the window and Export). */
void     gb_rl_cart_view_paint (GbRlCartView *self, cairo_t *cr, int w, int h, const GbPalette *pal);

/* The return per episode, or (selection) the episode on show step by step; NULL when empty. */
GbTable *gb_rl_cart_view_table (GbRlCartView *self, gboolean selection);

G_END_DECLS
