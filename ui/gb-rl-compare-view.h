/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-compare-view.h — two TD algorithms learning the same map from the
 * same seeds, side by side: their greedy policies and values after the
 * first seed's run, and their learning curves (mean ± sd over the seeds).
 *
 * The runs are a job on a worker (gb_td_learning_curve, twice): the view
 * notifies "running" and "fraction" as it goes, emits "finished" when a
 * run has ended with a result, and "message" with the reason when one
 * failed. A cancelled run leaves the last result on show. */
#pragma once

#include <gtk/gtk.h>

#include "gb-table.h"

#include "gb-paint.h"
#include "gb-rl.h"

G_BEGIN_DECLS

#define GB_TYPE_RL_COMPARE_VIEW (gb_rl_compare_view_get_type ())
G_DECLARE_FINAL_TYPE (GbRlCompareView, gb_rl_compare_view, GB, RL_COMPARE_VIEW, GtkWidget)

/* Starts a comparison on the map (in the map file's text) of a and b, named
 * name_a and name_b; FALSE while one is running. */
gboolean gb_rl_compare_view_start (GbRlCompareView *self, const char *map_text, const GbTdConfig *a, const char *name_a,
                                   const GbTdConfig *b, const char *name_b, int seeds, int episodes);
void     gb_rl_compare_view_cancel     (GbRlCompareView *self);
gboolean gb_rl_compare_view_is_running (GbRlCompareView *self);
double   gb_rl_compare_view_get_fraction (GbRlCompareView *self);
/* Draws the result on show (or what to do to get one) into any cairo_t. */
void     gb_rl_compare_view_paint (GbRlCompareView *self, cairo_t *cr, int w, int h, const GbPalette *pal);

/* The curves' numbers (mean and sd per episode of both), or NULL before a run. */
GbTable *gb_rl_compare_view_table (GbRlCompareView *self);

G_END_DECLS
