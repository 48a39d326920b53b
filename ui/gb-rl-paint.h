/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-paint.h — the RL page's plots, its gridworld frame and its comparison of two agents.
 *
 * gb_rl_plots_paint draws three panels side by side: the return per episode
 * with its moving average, the episode length, and the convergence measure of
 * the algorithm (the Bellman residual per sweep for dynamic programming, the
 * Bellman error of Q for the TD agents). gb_rl_compare_paint draws two agents
 * trained on the same map and seed side by side, and their learning curves
 * averaged over seeds with the spread (mean ± one standard deviation). */
#pragma once

#include "gb-rl-grid-paint.h"
#include "gb-rl-learner.h"

G_BEGIN_DECLS

typedef struct {
  const double *returns;      /* (n) mean return of episodes [i·bucket, (i+1)·bucket) */
  const double *lengths;      /* (n) */
  int n;
  int bucket;
  const double *error_x;      /* (n_error) sweeps or episodes */
  const double *error;        /* (n_error) */
  int n_error;
  const char *error_title;
  const char *error_x_label;
  const char *empty_text;     /* for the two episode panels when there are no episodes (DP) */
} GbRlPlots;

void gb_rl_plots_paint (cairo_t *cr, int w, int h, const GbRlPlots *plots, const GbPalette *pal);

/* A gridworld learner as the RL page shows it: what the window draws in its
 * two canvases, and what Export and `glassbox render rl` draw in one picture. */
typedef struct {
  const GbGridLearner *learner;   /* its map, trail and Bellman error curve */
  const double *V, *Q;            /* the tables on show: (n), (n × 4) */
  const int *pi;
  const double *returns, *lengths;   /* a TD agent's curves as of then */
  int n_returns, bucket;
  int agent;                      /* the agent's state, or −1 */
  const float *flash;             /* or NULL */
  int selected, cursor;           /* a state + 1, a cell + 1; 0: none */
  gboolean numbers, show_q;
  const char *title;              /* over the grid, or NULL */
} GbRlGridFrame;

/* The frame of a learner as it stands: tables (allocated by the caller: n,
 * n × 4, n) filled from it, its agent where it stands, no selection. */
GbRlGridFrame gb_rl_grid_frame_of (const GbGridLearner *learner, double *V, double *Q, int *pi);
GbGridScene   gb_rl_grid_frame_scene (const GbRlGridFrame *frame);
GbRlPlots     gb_rl_grid_frame_plots (const GbRlGridFrame *frame);
/* The grid (with the title) above the curves. */
void          gb_rl_grid_frame_paint (cairo_t *cr, int w, int h, const GbRlGridFrame *frame, const GbPalette *pal);

typedef struct {
  GbGridScene a, b;           /* the two agents after training with the same seed */
  const char *name_a, *name_b;
  const double *mean_a, *sd_a, *mean_b, *sd_b;   /* (episodes) */
  int episodes;
  int seeds;
} GbRlCompare;

void gb_rl_compare_paint (cairo_t *cr, int w, int h, const GbRlCompare *cmp, const GbPalette *pal);

G_END_DECLS
