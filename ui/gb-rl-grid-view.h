/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-grid-view.h — a gridworld learner on show: V(s) or Q(s, a) with the
 * greedy policy, the agent's trail and the cells that just changed; what the
 * pointer is on (values and transitions) and the backup of the selected cell;
 * the returns and the Bellman error below.
 *
 * The learner is the page's (it builds, steps and replaces it); the view
 * copies its tables out — under the runner's lock, never waiting for it in a
 * frame — and keeps what it shows, the selection and the edit cursor. In edit
 * mode a click, a drag or Return asks the page to paint a cell ("paint-cell"). */
#pragma once

#include <gtk/gtk.h>

#include "gb-frame-stats.h"
#include "gb-paint.h"
#include "gb-rl-learner.h"
#include "gb-rl-runner.h"
#include "gb-table.h"

G_BEGIN_DECLS

#define GB_TYPE_RL_GRID_VIEW (gb_rl_grid_view_get_type ())
G_DECLARE_FINAL_TYPE (GbRlGridView, gb_rl_grid_view, GB, RL_GRID_VIEW, GtkWidget)

/* A new learner (borrowed: set it again, or NULL, before freeing it), with
 * the runner whose lock guards its agent. The selection is forgotten; the
 * edit cursor too when the map changed shape. */
void gb_rl_grid_view_set_learner (GbRlGridView *self, GbGridLearner *learner, GbRlRunner *runner);
/* Copies the learner's tables into what is drawn and flashes the states whose
 * value changed. In a frame (frame TRUE) a worker that holds the lock is not
 * waited for: the view keeps what it drew. */
void gb_rl_grid_view_refresh (GbRlGridView *self, gboolean frame);
/* The tables on show: V and π (n states), Q (n × 4). */
void gb_rl_grid_view_tables (GbRlGridView *self, int *n, const double **V, const double **Q, const int **pi);
/* The numbers behind the view (gb_table_free them): with selection, the
 * selected cell's place, V, Q and greedy action (NULL when none is);
 * without, the curves — returns and lengths of the TD agent's episodes (each
 * row the mean of `bucket` episodes) and the Bellman error against steps or
 * sweeps. */
/* Selects the cell at row, col (from 0) as a click would; FALSE when it is a wall or outside. */
gboolean gb_rl_grid_view_select_cell (GbRlGridView *self, int row, int col);
/* The selected cell (row, col from 0), or FALSE when none is. */
gboolean gb_rl_grid_view_get_selected (GbRlGridView *self, int *row, int *col);
GbTable *gb_rl_grid_view_table (GbRlGridView *self, gboolean selection);
void gb_rl_grid_view_set_frame_stats (GbRlGridView *self, GbFrameStats *stats);
/* The grid above the curves, into any cairo_t (Export). */
void gb_rl_grid_view_paint (GbRlGridView *self, cairo_t *cr, int w, int h, const GbPalette *pal);

G_END_DECLS
