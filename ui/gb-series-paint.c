/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-series-paint.c — line plots of series against an index. */
#include "gb-series-paint.h"

#include <math.h>
#include <stdio.h>

void
gb_moving_average (const double *y, int n, int window, double *out)
{
  double sum = 0.0;
  window = MAX (window, 1);
  for (int i = 0; i < n; i++)
    {
      sum += y[i];
      if (i >= window)
        sum -= y[i - window];
      out[i] = sum / MIN (i + 1, window);
    }
}

static inline double
xof (const GbSeries *s, int i)
{
  return s->x ? s->x[i] : s->x0 + i * s->dx;
}

static double
tr (double v, gboolean log_y)
{
  return log_y ? log10 (v) : v;
}

static gboolean
usable (double v, gboolean log_y)
{
  return isfinite (v) && (!log_y || v > 0.0);
}

static void
format_tick (char *buf, gsize size, double v, double step)
{
  if (fabs (v) >= 1e5 || (fabs (v) < 1e-3 && v != 0.0))
    g_snprintf (buf, size, "%.3g", v);
  else if (step >= 1.0)
    g_snprintf (buf, size, "%.0f", v);
  else
    g_snprintf (buf, size, "%.*f", (int) CLAMP (ceil (-log10 (step)), 1, 4), v);
}

/* Draws series s as a path, or as bars per pixel column when it has more
 * points than pixels (then returns TRUE: the path is to be filled). */
static gboolean
trace (cairo_t *cr, const GbSeries *s, const double *y, gboolean log_y, double px0, double pw,
       double x_lo, double x_hi, double py0, double ph, double y_lo, double y_hi)
{
  double sx = pw / MAX (x_hi - x_lo, 1e-12), sy = ph / MAX (y_hi - y_lo, 1e-12);
  gboolean pen = FALSE;
  if (s->x == NULL && s->n > 2 * pw)
    {
      /* One bar per pixel column from its lowest to its highest value: filled
       * rectangles, as a zig-zag line would be slow for cairo to stroke. */
      int cols = (int) pw;
      for (int c = 0; c < cols; c++)
        {
          int i0 = (int) ((gint64) c * s->n / cols), i1 = (int) ((gint64) (c + 1) * s->n / cols);
          double lo = INFINITY, hi = -INFINITY;
          for (int i = i0; i < i1; i++)
            if (usable (y[i], log_y))
              lo = MIN (lo, tr (y[i], log_y)), hi = MAX (hi, tr (y[i], log_y));
          if (!(lo <= hi))
            continue;
          double X = px0 + (xof (s, (i0 + i1 - 1) / 2) - x_lo) * sx;
          double Y0 = py0 + ph - (lo - y_lo) * sy, Y1 = py0 + ph - (hi - y_lo) * sy;
          double lw = s->width > 0 ? s->width : 1.5;
          cairo_rectangle (cr, X - 0.5, Y1 - lw / 2, 1.0, Y0 - Y1 + lw);
        }
      return TRUE;
    }
  for (int i = 0; i < s->n; i++)
    {
      if (!usable (y[i], log_y))
        {
          pen = FALSE;
          continue;
        }
      double X = px0 + (xof (s, i) - x_lo) * sx, Y = py0 + ph - (tr (y[i], log_y) - y_lo) * sy;
      if (pen)
        cairo_line_to (cr, X, Y);
      else
        cairo_move_to (cr, X, Y);
      pen = TRUE;
    }
  if (s->n == 1 && usable (y[0], log_y))
    {
      double X = px0 + (xof (s, 0) - x_lo) * sx, Y = py0 + ph - (tr (y[0], log_y) - y_lo) * sy;
      cairo_new_sub_path (cr);
      cairo_arc (cr, X, Y, 2.0, 0, 2 * G_PI);
    }
  return FALSE;
}

void
gb_series_plot_paint (cairo_t *cr, double x, double y, double w, double h, const GbSeriesPlot *p,
                      const GbPalette *pal)
{
  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  double fs = CLAMP (h / 16.0, 9.0, 12.0);
  if (p->title)
    gb_paint_text (cr, x + 8, y + 4, p->title, fs + 1, &pal->fg, GB_ALIGN_LEFT, TRUE);

  /* The ranges. */
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (int k = 0; k < p->n_series; k++)
    {
      const GbSeries *s = &p->series[k];
      for (int i = 0; i < s->n; i++)
        {
          double band = s->spread ? s->spread[i] : 0.0;
          double a = s->y[i] - (isfinite (band) ? band : 0.0), b = s->y[i] + (isfinite (band) ? band : 0.0);
          if (p->log_y && a <= 0.0)
            a = s->y[i];
          if (!usable (a, p->log_y) || !usable (b, p->log_y))
            continue;
          y_lo = MIN (y_lo, tr (a, p->log_y)), y_hi = MAX (y_hi, tr (b, p->log_y));
          x_lo = MIN (x_lo, xof (s, i)), x_hi = MAX (x_hi, xof (s, i));
        }
    }
  double top = y + (p->title ? fs + 12 : 6), left = x + 8 + 5.5 * fs, bottom = y + h - 2.2 * fs, right = x + w - 10;
  if (!(y_lo <= y_hi) || right - left < 20 || bottom - top < 20)
    {
      if (p->empty_text)
        gb_paint_text (cr, x + w / 2, y + h / 2 - fs / 2, p->empty_text, fs, &pal->muted, GB_ALIGN_CENTER, FALSE);
      cairo_restore (cr);
      return;
    }
  if (p->fixed_y && p->y_max > p->y_min)
    y_lo = tr (p->y_min, p->log_y), y_hi = tr (p->y_max, p->log_y);
  else if (p->log_y)
    y_lo = floor (y_lo), y_hi = MAX (ceil (y_hi), y_lo + 1);   /* whole decades */
  else if (y_hi - y_lo < 1e-9)
    y_lo -= 0.5, y_hi += 0.5;
  else
    {
      double pad = 0.05 * (y_hi - y_lo);
      y_lo -= pad, y_hi += pad;
    }
  if (x_hi <= x_lo)
    x_hi = x_lo + 1;
  double pw = right - left, ph = bottom - top;

  /* Grid lines and ticks. */
  cairo_set_line_width (cr, 1.0);
  char buf[32];
  double ys = p->log_y ? MAX (1.0, round (gb_nice_step (y_hi - y_lo, 4))) : gb_nice_step (y_hi - y_lo, 4);
  for (double v = ceil (y_lo / ys) * ys; v <= y_hi + 1e-9 * ys; v += ys)
    {
      double Y = round (bottom - (v - y_lo) / (y_hi - y_lo) * ph) + 0.5;
      gb_set_rgb (cr, &pal->grid);
      cairo_move_to (cr, left, Y);
      cairo_line_to (cr, right, Y);
      cairo_stroke (cr);
      if (p->log_y)
        g_snprintf (buf, sizeof buf, "1e%.0f", v);
      else
        format_tick (buf, sizeof buf, fabs (v) < 1e-12 * ys ? 0.0 : v, ys);
      gb_paint_text (cr, left - 4, Y - fs / 2 - 1, buf, fs * 0.9, &pal->muted, GB_ALIGN_RIGHT, FALSE);
    }
  double xs = gb_nice_step (x_hi - x_lo, 5);
  for (double v = ceil (x_lo / xs) * xs; v <= x_hi + 1e-9 * xs; v += xs)
    {
      double X = round (left + (v - x_lo) / (x_hi - x_lo) * pw) + 0.5;
      format_tick (buf, sizeof buf, v, xs);
      gb_paint_text (cr, X, bottom + 3, buf, fs * 0.9, &pal->muted, GB_ALIGN_CENTER, FALSE);
    }
  if (p->x_label)
    gb_paint_text (cr, right, bottom + 3 + fs, p->x_label, fs * 0.9, &pal->muted, GB_ALIGN_RIGHT, FALSE);
  gb_set_rgb (cr, &pal->muted);
  cairo_rectangle (cr, left + 0.5, top + 0.5, pw, ph);
  cairo_stroke (cr);

  /* Bands, then lines. */
  cairo_save (cr);
  cairo_rectangle (cr, left, top, pw, ph);
  cairo_clip (cr);
  for (int k = 0; k < p->n_series; k++)
    {
      const GbSeries *s = &p->series[k];
      if (s->spread == NULL || s->n < 2)
        continue;
      g_autofree double *lo = g_new (double, s->n), *hi = g_new (double, s->n);
      for (int i = 0; i < s->n; i++)
        {
          lo[i] = s->y[i] - s->spread[i], hi[i] = s->y[i] + s->spread[i];
          if (p->log_y && lo[i] <= 0)
            lo[i] = s->y[i];
        }
      /* The band as the area between hi (left to right) and lo (right to left), sampled per column. */
      int cols = MIN (s->n, (int) pw);
      double sx = pw / (x_hi - x_lo), sy = ph / (y_hi - y_lo);
      cairo_new_path (cr);
      for (int pass = 0; pass < 2; pass++)
        for (int c = 0; c < cols; c++)
          {
            int cc = pass == 0 ? c : cols - 1 - c;
            int i = (int) ((gint64) cc * (s->n - 1) / MAX (cols - 1, 1));
            double v = pass == 0 ? hi[i] : lo[i];
            if (!usable (v, p->log_y))
              continue;
            cairo_line_to (cr, left + (xof (s, i) - x_lo) * sx, bottom - (tr (v, p->log_y) - y_lo) * sy);
          }
      cairo_close_path (cr);
      gb_set_rgba (cr, &s->color, 0.22);
      cairo_fill (cr);
    }
  for (int k = 0; k < p->n_series; k++)
    {
      const GbSeries *s = &p->series[k];
      cairo_new_path (cr);
      gboolean bars = trace (cr, s, s->y, p->log_y, left, pw, x_lo, x_hi, top, ph, y_lo, y_hi);
      gb_set_rgba (cr, &s->color, s->alpha > 0 ? s->alpha : 1.0);
      cairo_set_line_width (cr, s->width > 0 ? s->width : 1.5);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      if (bars)
        cairo_fill (cr);
      else
        cairo_stroke (cr);
    }
  cairo_restore (cr);

  /* The legend, top right inside the frame. */
  double ly = top + 4;
  for (int k = 0; k < p->n_series; k++)
    {
      const GbSeries *s = &p->series[k];
      if (s->label == NULL)
        continue;
      double tw = gb_text_width (cr, s->label, fs * 0.9, FALSE);
      gb_set_rgba (cr, &pal->panel, 0.85);
      cairo_rectangle (cr, right - tw - 30, ly - 1, tw + 26, fs + 4);
      cairo_fill (cr);
      gb_set_rgb (cr, &s->color);
      cairo_set_line_width (cr, 2.5);
      cairo_move_to (cr, right - tw - 26, ly + fs / 2 + 1);
      cairo_line_to (cr, right - tw - 10, ly + fs / 2 + 1);
      cairo_stroke (cr);
      gb_paint_text (cr, right - 4, ly, s->label, fs * 0.9, &pal->fg, GB_ALIGN_RIGHT, FALSE);
      ly += fs + 5;
    }
  cairo_restore (cr);
}
