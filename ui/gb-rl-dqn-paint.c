/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-dqn-paint.c — inside a DQN on cart-pole (see the header). */
#include "gb-rl-dqn-paint.h"
#include <glib/gi18n.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb-series-paint.h"

/* Viridis through three of its stops, t in [0, 1]. */
static GbRgb
heat (double t)
{
  static const GbRgb stops[3] = { { 0.267, 0.005, 0.329 }, { 0.128, 0.567, 0.551 }, { 0.993, 0.906, 0.144 } };
  t = CLAMP (t, 0.0, 1.0) * 2;
  int k = MIN ((int) t, 1);
  double f = t - k;
  const GbRgb *a = &stops[k], *b = &stops[k + 1];
  return (GbRgb) { a->r + (b->r - a->r) * f, a->g + (b->g - a->g) * f, a->b + (b->b - a->b) * f };
}

static guint32
pack (GbRgb c)
{
  return ((guint32) (CLAMP (c.r, 0, 1) * 255 + 0.5) << 16) | ((guint32) (CLAMP (c.g, 0, 1) * 255 + 0.5) << 8)
         | (guint32) (CLAMP (c.b, 0, 1) * 255 + 0.5);
}

/* The plane's rectangle inside a panel, and where a state falls on it. */
typedef struct {
  double x, y, w, h;
} Plane;

static Plane
plane_in (double x0, double y0, double w, double h, double below)
{
  return (Plane) { x0 + 34, y0 + 22, w - 42, h - 44 - below };
}

static gboolean
to_plane (const Plane *p, double theta, double theta_dot, double *px, double *py)
{
  *px = p->x + (theta / GB_CART_THETA_MAX + 1) / 2 * p->w;
  *py = p->y + (1 - (theta_dot / GB_CART_THETA_DOT_MAX + 1) / 2) * p->h;
  return fabs (theta) <= GB_CART_THETA_MAX && fabs (theta_dot) <= GB_CART_THETA_DOT_MAX;
}

static void
axes (cairo_t *cr, const Plane *p, double x0, const GbPalette *pal)
{
  gb_paint_text (cr, p->x, p->y + p->h + 3, "θ −12°", 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
  gb_paint_text (cr, p->x + p->w, p->y + p->h + 3, "+12°", 10, &pal->muted, GB_ALIGN_RIGHT, FALSE);
  gb_paint_text (cr, x0 + 4, p->y, "θ̇ +2", 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
  gb_paint_text (cr, x0 + 4, p->y + p->h - 12, "−2", 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
}

static void
mark_state (cairo_t *cr, const Plane *p, const GbCartState *st, const GbPalette *pal)
{
  double mx, my;
  if (!to_plane (p, st->theta, st->theta_dot, &mx, &my))
    return;
  cairo_new_path (cr);
  cairo_arc (cr, mx, my, 4.5, 0, 2 * G_PI);
  gb_set_rgb (cr, &pal->bg);
  cairo_fill_preserve (cr);
  gb_set_rgb (cr, &pal->fg);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
}

static void
paint_q (cairo_t *cr, double x0, double y0, double w, double h, const GbDqnSnapshot *s, gboolean right,
         const GbPalette *pal)
{
  char title[96];
  if (right)
    snprintf (title, sizeof title, _("Q(s, right), x = %.2f, ẋ = %.2f"), s->x, s->x_dot);
  else
    snprintf (title, sizeof title, _("Q(s, left), x = %.2f, ẋ = %.2f"), s->x, s->x_dot);
  gb_paint_panel (cr, x0, y0, w, h, title, pal);
  Plane p = plane_in (x0, y0, w, h, 0);
  const double *q = right ? s->q_right : s->q_left;
  double span = MAX (s->q_hi - s->q_lo, 1e-9);
  g_autofree guint32 *rgb = g_new (guint32, (gsize) s->n * s->n);
  for (int k = 0; k < s->n * s->n; k++)
    rgb[k] = pack (heat ((q[k] - s->q_lo) / span));
  gb_paint_cells (cr, p.x, p.y, p.w, p.h, rgb, s->n, s->n);
  mark_state (cr, &p, &s->state, pal);
  axes (cr, &p, x0, pal);
  snprintf (title, sizeof title, "%.1f … %.1f", s->q_lo, s->q_hi);
  gb_paint_text (cr, x0 + w - 6, y0 + 4, title, 10, &pal->muted, GB_ALIGN_RIGHT, FALSE);
}

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

static void
paint_greedy (cairo_t *cr, double x0, double y0, double w, double h, const GbDqnScene *sc, const GbPalette *pal)
{
  const GbDqnSnapshot *s = sc->snap;
  gb_paint_panel (cr, x0, y0, w, h, sc->show_buffer ? (sc->colour_by_age ? _("Greedy action; the replay buffer by age")
                                                                 : _("Greedy action; the replay buffer by |TD error|"))
                                           : _("Greedy action: Q(s, right) − Q(s, left)"), pal);
  Plane p = plane_in (x0, y0, w, h, sc->show_buffer ? 14 : 0);
  double amax = 1e-9;
  for (int k = 0; k < s->n * s->n; k++)
    amax = MAX (amax, fabs (s->q_right[k] - s->q_left[k]));
  g_autofree guint32 *rgb = g_new (guint32, (gsize) s->n * s->n);
  for (int c = 0; c < s->n * s->n; c++)
    {
      double d = s->q_right[c] - s->q_left[c], k = MIN (1.0, fabs (d) / amax) * 0.55 + 0.2;
      GbRgb t = d < 0 ? (GbRgb) { 0.329, 0.153, 0.533 } : (GbRgb) { 0.702, 0.345, 0.024 };
      rgb[c] = pack ((GbRgb) { pal->bg.r + (t.r - pal->bg.r) * k, pal->bg.g + (t.g - pal->bg.g) * k,
                               pal->bg.b + (t.b - pal->bg.b) * k });
    }
  gb_paint_cells (cr, p.x, p.y, p.w, p.h, rgb, s->n, s->n);
  if (sc->show_buffer && s->m > 0)
    {
      /* Colours on a common scale: |TD error| up to its 95th percentile, or age up to the oldest. */
      g_autofree float *mag = g_new (float, s->m);
      for (int i = 0; i < s->m; i++)
        mag[i] = sc->colour_by_age ? (float) s->age[i] : fabsf (s->td[i]);
      g_autofree float *sorted = g_memdup2 (mag, (gsize) s->m * sizeof (float));
      qsort (sorted, s->m, sizeof (float), cmp_float);
      double top = MAX (sorted[sc->colour_by_age ? s->m - 1 : (int) (0.95 * (s->m - 1))], 1e-9);
      cairo_save (cr);
      cairo_rectangle (cr, p.x, p.y, p.w, p.h);
      cairo_clip (cr);
      /* Age: new dark, old faint; TD error: small faint, large strong red. Eight shades, one fill each. */
      GbRgb red = { 0.84, 0.15, 0.16 };
      for (int level = 0; level < 8; level++)
        {
          for (int i = 0; i < s->m; i++)
            {
              double px, py;
              if (MIN (7, (int) (8 * MIN (1.0, mag[i] / top))) == level
                  && to_plane (&p, s->s[i * 4 + 2], s->s[i * 4 + 3], &px, &py))
                cairo_rectangle (cr, px - 1.5, py - 1.5, 3, 3);
            }
          double t = (level + 0.5) / 8;
          if (sc->colour_by_age)
            gb_set_rgba (cr, &pal->fg, 0.85 - 0.7 * t);
          else
            gb_set_rgba (cr, &red, 0.15 + 0.85 * t);
          cairo_fill (cr);
        }
      gb_set_rgb (cr, &pal->accent);
      cairo_set_line_width (cr, 1.5);
      for (int i = 0; i < s->b; i++)
        {
          double px, py;
          if (to_plane (&p, s->batch[i * 4 + 2], s->batch[i * 4 + 3], &px, &py))
            {
              cairo_new_sub_path (cr);
              cairo_arc (cr, px, py, 4, 0, 2 * G_PI);
            }
        }
      cairo_stroke (cr);
      cairo_restore (cr);
      char note[160];
      snprintf (note, sizeof note, _("%d of %lld stored (at any x, ẋ) · ○ the last minibatch"), s->m,
                (long long) s->buffer_size);
      gb_paint_text (cr, x0 + 6, y0 + h - 16, note, 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
    }
  mark_state (cr, &p, &s->state, pal);
  axes (cr, &p, x0, pal);
}

static void
paint_numbers (cairo_t *cr, double x0, double y0, double w, double h, const GbDqnSnapshot *s, const GbPalette *pal)
{
  gb_paint_panel (cr, x0, y0, w, h, _("Now"), pal);
  cairo_save (cr);
  cairo_translate (cr, x0, 0);   /* gb_paint_line writes at x = 8 */
  double y = y0 + 26;
  gb_paint_line (cr, &y, 17, &pal->fg, FALSE,
                 ngettext ("%lld env steps, %d episode", "%lld env steps, %d episodes", s->n_log),
                 (long long) s->steps, s->n_log);
  gb_paint_line (cr, &y, 17, &pal->fg, FALSE, _("replay buffer %lld, ε = %.3f"), (long long) s->buffer_size,
                 s->epsilon);
  if (s->n_log > 0)
    {
      const GbDqnLog *l = &s->log[s->n_log - 1];
      gb_paint_line (cr, &y, 17, &pal->fg, FALSE, _("last episode: return %.0f"), l->ret);
      gb_paint_line (cr, &y, 17, &pal->fg, FALSE, _("mean max Q %.2f vs mean G %.2f"), l->q_mean, l->g_mean);
      gb_paint_line (cr, &y, 17, &pal->fg, FALSE, _("overestimation %+.2f"), l->q_mean - l->g_mean);
      if (!isnan (l->loss))
        gb_paint_line (cr, &y, 17, &pal->fg, FALSE, _("TD loss %.4f, target lag %.3f"), l->loss, l->lag);
    }
  cairo_restore (cr);
}

void
gb_dqn_paint (cairo_t *cr, int w, int h, const GbDqnScene *sc, const GbPalette *pal)
{
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_clip (cr);
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  const GbDqnSnapshot *s = sc->snap;
  gb_paint_text (cr, 10, 6, sc->title ? sc->title : _("Inside the DQN"), 13, &pal->fg, GB_ALIGN_LEFT, TRUE);
  if (s == NULL || s->n == 0)
    {
      gb_paint_text (cr, w / 2.0, h / 2.0, _("Choose DQN on cart-pole to look inside its Q-network"), 12, &pal->muted,
                     GB_ALIGN_CENTER, FALSE);
      cairo_restore (cr);
      return;
    }
  double top = 28, upper = (h - top) * 0.44, third = (w - 16) / 3.0;
  paint_q (cr, 8, top, third - 6, upper - 6, s, FALSE, pal);
  paint_q (cr, 8 + third, top, third - 6, upper - 6, s, TRUE, pal);
  paint_greedy (cr, 8 + 2 * third, top, third - 6, upper - 6, sc, pal);

  int n = s->n_log;
  g_autofree double *ret = g_new (double, MAX (n, 1)), *avg = g_new (double, MAX (n, 1)),
                    *eps = g_new (double, MAX (n, 1)), *loss = g_new (double, MAX (n, 1)),
                    *lag = g_new (double, MAX (n, 1)), *qm = g_new (double, MAX (n, 1)),
                    *gm = g_new (double, MAX (n, 1));
  for (int i = 0; i < n; i++)
    {
      const GbDqnLog *l = &s->log[i];
      ret[i] = l->ret, eps[i] = l->epsilon, loss[i] = isnan (l->loss) ? 0 : l->loss;
      lag[i] = isnan (l->lag) ? 0 : l->lag, qm[i] = l->q_mean, gm[i] = l->g_mean;
    }
  gb_moving_average (ret, n, 100, avg);
  double row = (h - top - upper - 8) / 2, y1 = top + upper, y2 = y1 + row;
  GbSeries r[2] = {
    { .y = ret, .n = n, .x0 = 1, .dx = 1, .color = pal->classes[6], .alpha = 0.6, .width = 1 },
    { .y = avg, .n = n, .x0 = 1, .dx = 1, .color = pal->classes[1], .width = 2, .label = _("average of 100") },
  };
  GbSeriesPlot pr = { _("Return per episode"), _("episode"), r, 2, FALSE, _("no episode yet"), TRUE, 0, 520 };
  gb_series_plot_paint (cr, 8, y1, third - 6, row - 6, &pr, pal);
  GbSeries e = { .y = eps, .n = n, .x0 = 1, .dx = 1, .color = pal->accent2, .width = 1.5 };
  GbSeriesPlot pe = { _("ε (exploration)"), _("episode"), &e, 1, FALSE, _("no episode yet"), TRUE, 0, 1 };
  gb_series_plot_paint (cr, 8 + third, y1, third - 6, row - 6, &pe, pal);
  GbSeries l = { .y = loss, .n = n, .x0 = 1, .dx = 1, .color = pal->classes[3], .width = 1.2 };
  GbSeriesPlot pl = { _("TD loss (mean per episode)"), _("episode"), &l, 1, TRUE, _("no update yet") };
  gb_series_plot_paint (cr, 8 + 2 * third, y1, third - 6, row - 6, &pl, pal);
  GbSeries o[2] = {
    { .y = qm, .n = n, .x0 = 1, .dx = 1, .color = pal->classes[2], .width = 1.5, .label = _("mean max Q (promised)") },
    { .y = gm, .n = n, .x0 = 1, .dx = 1, .color = pal->accent, .width = 1.5, .label = _("mean G (obtained)") },
  };
  GbSeriesPlot po = { _("Overestimation"), _("episode"), o, 2, FALSE, _("no episode yet") };
  gb_series_plot_paint (cr, 8, y2, third - 6, row - 6, &po, pal);
  GbSeries g = { .y = lag, .n = n, .x0 = 1, .dx = 1, .color = pal->classes[4], .width = 1.5 };
  GbSeriesPlot pg = { _("Target lag: mean |Q − Q_target|"), _("episode"), &g, 1, FALSE, _("no update yet") };
  gb_series_plot_paint (cr, 8 + third, y2, third - 6, row - 6, &pg, pal);
  paint_numbers (cr, 8 + 2 * third, y2, third - 6, row - 6, s, pal);
  cairo_restore (cr);
}
