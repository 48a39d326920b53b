/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-paint.c — the RL page's plots and comparison. */
#include "gb-rl-paint.h"
#include <glib/gi18n.h>

#include "gb-series-paint.h"

#include <math.h>

void
gb_rl_plots_paint (cairo_t *cr, int w, int h, const GbRlPlots *p, const GbPalette *pal)
{
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  double pw = w / 3.0;
  int n = p->n;
  g_autofree double *avg = g_new (double, MAX (n, 1));
  /* The moving average over about 50 episodes (fewer entries when they are buckets). */
  int bucket = MAX (p->bucket, 1);
  gb_moving_average (p->returns, n, MAX (1, 50 / bucket), avg);
  GbSeries ret[2] = {
    { .y = p->returns, .n = n, .x0 = bucket * 0.5, .dx = bucket, .color = pal->classes[4], .alpha = 0.6, .width = 1 },
    { .y = avg, .n = n, .x0 = bucket * 0.5, .dx = bucket, .color = pal->classes[1], .width = 2,
      .label = _("moving average (50)") },
  };
  GbSeriesPlot a = { _("Return per episode"), _("episode"), ret, 2, FALSE, p->empty_text };
  gb_series_plot_paint (cr, 0, 0, pw, h, &a, pal);
  GbSeries len = { .y = p->lengths, .n = n, .x0 = bucket * 0.5, .dx = bucket, .color = pal->classes[2] };
  GbSeriesPlot b = { _("Episode length"), _("episode"), &len, 1, FALSE, p->empty_text };
  gb_series_plot_paint (cr, pw, 0, pw, h, &b, pal);
  GbSeries err = { .y = p->error, .x = p->error_x, .n = p->n_error, .color = pal->classes[5] };
  GbSeriesPlot c = { p->error_title, p->error_x_label, &err, 1, TRUE, _("nothing yet: press Step or Play") };
  gb_series_plot_paint (cr, 2 * pw, 0, w - 2 * pw, h, &c, pal);
  /* Separators. */
  gb_set_rgba (cr, &pal->muted, 0.4);
  cairo_set_line_width (cr, 1);
  for (int k = 1; k < 3; k++)
    {
      cairo_move_to (cr, (int) (k * pw) + 0.5, 4);
      cairo_line_to (cr, (int) (k * pw) + 0.5, h - 4);
    }
  cairo_stroke (cr);
}

static void
grid_in (cairo_t *cr, double x, double y, int w, int h, const GbGridScene *s, const GbPalette *pal)
{
  cairo_save (cr);
  cairo_translate (cr, x, y);
  gb_grid_paint (cr, w, h, s, pal);
  cairo_restore (cr);
}

void
gb_rl_compare_paint (cairo_t *cr, int w, int h, const GbRlCompare *c, const GbPalette *pal)
{
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  int top_h = (int) (h * 0.55);
  grid_in (cr, 0, 0, w / 2, top_h, &c->a, pal);
  grid_in (cr, w / 2, 0, w - w / 2, top_h, &c->b, pal);
  GbSeries s[2] = {
    { .y = c->mean_a, .spread = c->sd_a, .n = c->episodes, .x0 = 1, .dx = 1, .color = pal->classes[0],
      .label = c->name_a },
    { .y = c->mean_b, .spread = c->sd_b, .n = c->episodes, .x0 = 1, .dx = 1, .color = pal->classes[1],
      .label = c->name_b },
  };
  g_autofree char *title = g_strdup_printf (ngettext ("Return per episode, mean ± sd over %d seed",
                                                      "Return per episode, mean ± sd over %d seeds", c->seeds),
                                            c->seeds);
  GbSeriesPlot p = { title, _("episode"), s, 2, FALSE, _("no curves yet") };
  /* The first episodes of a TD agent can be far worse than the rest: the
   * range follows the curves after their first tenth (the start is clipped). */
  double lo = INFINITY, hi = -INFINITY;
  for (int k = 0; k < 2; k++)
    for (int i = c->episodes / 10; i < c->episodes; i++)
      {
        const double *m = k ? c->mean_b : c->mean_a, *sd = k ? c->sd_b : c->sd_a;
        lo = MIN (lo, m[i] - sd[i]), hi = MAX (hi, m[i] + sd[i]);
      }
  if (isfinite (lo) && isfinite (hi) && hi > lo)
    {
      p.fixed_y = TRUE;
      p.y_min = lo - 0.05 * (hi - lo), p.y_max = hi + 0.05 * (hi - lo);
    }
  gb_series_plot_paint (cr, 0, top_h, w, h - top_h, &p, pal);
}

GbRlGridFrame
gb_rl_grid_frame_of (const GbGridLearner *l, double *V, double *Q, int *pi)
{
  gb_grid_learner_tables (l, V, Q, pi);
  const GbTdAgent *ag = l->agent;
  GbRlGridFrame f = { l, V, Q, pi };
  f.agent = -1;
  f.bucket = 1;
  if (ag != NULL)
    {
      f.returns = (const double *) ag->returns->data;
      f.lengths = (const double *) ag->lengths->data;
      f.n_returns = (int) ag->returns->len;
      f.bucket = ag->bucket;
      /* before its first episode the agent stands at the start (its s is not set yet) */
      f.agent = ag->in_episode || ag->episodes > 0 ? ag->s : (int) ag->mdp->start;
    }
  return f;
}

GbGridScene
gb_rl_grid_frame_scene (const GbRlGridFrame *f)
{
  const GArray *trail = f->learner->trail;
  GbGridScene s = { f->learner->grid, f->V, f->show_q ? f->Q : NULL, f->pi, f->numbers,
                    f->learner->agent ? f->agent : -1,
                    trail->len > 1 ? (const int *) trail->data : NULL, (int) trail->len,
                    f->flash, f->title, f->selected, f->cursor };
  return s;
}

GbRlPlots
gb_rl_grid_frame_plots (const GbRlGridFrame *f)
{
  const GbGridLearner *l = f->learner;
  gboolean td = l->agent != NULL;
  GbRlPlots p = { f->returns, f->lengths, td ? f->n_returns : 0, f->bucket,
                  (const double *) l->err_x->data, (const double *) l->err_y->data, (int) l->err_x->len,
                  td ? _("Bellman error of Q (max over s, a)") : _("Bellman residual (max over s)"),
                  td ? _("step") : _("sweep"),
                  td ? _("no finished episode yet") : _("dynamic programming has no episodes") };
  return p;
}

void
gb_rl_grid_frame_paint (cairo_t *cr, int w, int h, const GbRlGridFrame *f, const GbPalette *pal)
{
  int top = (int) (h * 0.68);
  GbGridScene scene = gb_rl_grid_frame_scene (f);
  GbRlPlots plots = gb_rl_grid_frame_plots (f);
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, w, top);
  cairo_clip (cr);
  gb_grid_paint (cr, w, top, &scene, pal);
  cairo_restore (cr);
  cairo_save (cr);
  cairo_translate (cr, 0, top);
  cairo_rectangle (cr, 0, 0, w, h - top);
  cairo_clip (cr);
  gb_rl_plots_paint (cr, w, h - top, &plots, pal);
  cairo_restore (cr);
}
