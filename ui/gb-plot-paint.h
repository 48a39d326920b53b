/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-plot-paint.h — the training plot: −ELBO and its two terms against steps.
 *
 * Left panel: −ELBO and the reconstruction term per step (train) and per
 * epoch (test, markers); right panel: the KL term. Long curves are reduced to
 * one min–max band per pixel column, so drawing cost is bounded by the width.
 */
#pragma once

#include "gb-paint.h"
#include "gb-vae-trainer.h"

G_BEGIN_DECLS

typedef struct {
  const GbLossPoint *train;   /* x = global step */
  guint n_train;
  const GbLossPoint *test;    /* x = epoch (1-based) */
  guint n_test;
  int steps_per_epoch;
  gint64 total_steps;         /* the x range; 0: up to the last point */
  const char *empty_text;     /* shown when there is nothing to plot */
} GbLossPlot;

void gb_loss_plot_paint (cairo_t *cr, int w, int h, const GbLossPlot *plot, const GbPalette *pal);

G_END_DECLS
