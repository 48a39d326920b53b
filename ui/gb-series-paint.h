/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-series-paint.h — line plots of series against an index, with a band.
 *
 * For the learning curves of the RL page: returns per episode with their
 * moving average, episode lengths, the Bellman residual on a log scale, and
 * curves averaged over seeds drawn with their spread (mean ± sd). Long series
 * are reduced to one min–max segment per pixel column, so the cost of a frame
 * is bounded by the plot's width. */
#pragma once

#include "gb-paint.h"

G_BEGIN_DECLS

typedef struct {
  const double *y;        /* (n) */
  const double *spread;   /* (n) half-width of a band around y, or NULL */
  int n;
  double x0, dx;          /* point i is at x = x0 + i·dx … */
  const double *x;        /* … or at x[i] when not NULL (then not column-reduced) */
  GbRgb color;
  double alpha;           /* 0: opaque */
  double width;           /* line width; 0: 1.5 */
  const char *label;      /* in the legend, or NULL */
} GbSeries;

typedef struct {
  const char *title;
  const char *x_label;
  const GbSeries *series;
  int n_series;
  gboolean log_y;         /* values ≤ 0 are left out */
  const char *empty_text; /* when there is nothing to draw */
  gboolean fixed_y;       /* use y_min…y_max instead of the data's range (what is outside is clipped) */
  double y_min, y_max;
} GbSeriesPlot;

/* Draws the plot into the rectangle (x, y, w, h) of cr. */
void gb_series_plot_paint (cairo_t *cr, double x, double y, double w, double h, const GbSeriesPlot *plot,
                           const GbPalette *pal);
/* The trailing moving average of y over `window` points into out (n). */
void gb_moving_average (const double *y, int n, int window, double *out);

G_END_DECLS
