/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-corridor-paint.c — the short corridor's v(p) and its learners (see the header). */
#include "gb-rl-corridor-paint.h"
#include <glib/gi18n.h>

#include <math.h>
#include <stdio.h>

#include "gb-series-paint.h"

#define P_LO 0.02
#define P_HI 0.98
#define V_LO -100.0

static double
px_of (double p, double x, double w)
{
  return x + (p - P_LO) / (P_HI - P_LO) * w;
}

static double
py_of (double v, double y, double h)
{
  return y + (MAX (v, V_LO) / V_LO) * h;   /* 0 at the top, −100 at the bottom */
}

static void
dot (cairo_t *cr, double x, double y, double r, const GbRgb *fill, const GbPalette *pal)
{
  cairo_new_path (cr);
  cairo_arc (cr, x, y, r, 0, 2 * G_PI);
  gb_set_rgb (cr, fill);
  cairo_fill_preserve (cr);
  gb_set_rgb (cr, &pal->bg);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
}

static void
paint_curve (cairo_t *cr, double x0, double y0, double w, double h, const GbCorridorScene *s, const GbPalette *pal)
{
  gb_paint_panel (cr, x0, y0, w, h, _("v(p) = (2p − 4) / (p (1 − p)): the value of going right with probability p"),
                  pal);
  double x = x0 + 46, y = y0 + 26, pw = w - 60, ph = h - 50;
  char buf[96];
  for (int v = 0; v >= -100; v -= 20)
    {
      gb_set_rgb (cr, &pal->grid);
      cairo_move_to (cr, x, py_of (v, y, ph) + 0.5);
      cairo_line_to (cr, x + pw, py_of (v, y, ph) + 0.5);
      cairo_stroke (cr);
      snprintf (buf, sizeof buf, "%d", v);
      gb_paint_text (cr, x - 6, py_of (v, y, ph) - 6, buf, 10, &pal->muted, GB_ALIGN_RIGHT, FALSE);
    }
  for (int k = 0; k <= 4; k++)
    {
      double p = k * 0.25;
      if (p < P_LO || p > P_HI)
        continue;
      snprintf (buf, sizeof buf, "%.2f", p);
      gb_paint_text (cr, px_of (p, x, pw), y + ph + 4, buf, 10, &pal->muted, GB_ALIGN_CENTER, FALSE);
    }
  gb_paint_text (cr, x + pw, y + ph + 4, "p = π(right)", 10, &pal->muted, GB_ALIGN_RIGHT, FALSE);
  /* The curve. */
  for (int i = 0; i <= 400; i++)
    {
      double p = P_LO + (P_HI - P_LO) * i / 400.0;
      double cx = px_of (p, x, pw), cy = py_of (gb_corridor_value (p), y, ph);
      if (i == 0)
        cairo_move_to (cr, cx, cy);
      else
        cairo_line_to (cr, cx, cy);
    }
  gb_set_rgb (cr, &pal->fg);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
  /* The optimum and where ε-greedy (ε = 0.1) gets stuck. */
  double bx = px_of (GB_CORRIDOR_BEST_P, x, pw), by = py_of (gb_corridor_best_value (), y, ph);
  gb_set_rgb (cr, &pal->muted);
  double dash[] = { 4, 3 };
  cairo_set_dash (cr, dash, 2, 0);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, bx, by);
  cairo_line_to (cr, bx, y + ph);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  snprintf (buf, sizeof buf, _("best: p* = 2 − √2 ≈ %.3f, v* ≈ %.2f"), GB_CORRIDOR_BEST_P, gb_corridor_best_value ());
  gb_paint_text (cr, bx, by - 20, buf, 10, &pal->fg, GB_ALIGN_CENTER, FALSE);
  for (int side = 0; side < 2; side++)
    {
      double p = side ? 0.95 : 0.05, v = gb_corridor_value (p);
      double ex = px_of (p, x, pw), ey = py_of (v, y, ph);
      gb_set_rgb (cr, &pal->muted);
      cairo_rectangle (cr, ex - 4, ey - 4, 8, 8);
      cairo_fill (cr);
      snprintf (buf, sizeof buf, "ε-greedy, %s: %.1f", side ? "right" : "left", v);
      gb_paint_text (cr, ex + (side ? -8 : 8), ey - 16, buf, 10, &pal->muted, side ? GB_ALIGN_RIGHT : GB_ALIGN_LEFT,
                     FALSE);
    }
  /* The two learners where they are now. */
  const GbCorridorAgent *agents[2] = { s->plain, s->based };
  GbRgb colors[2] = { pal->classes[1], pal->classes[0] };
  for (int k = 0; k < 2; k++)
    if (agents[k] != NULL)
      {
        double p = gb_corridor_agent_p (agents[k]);
        dot (cr, px_of (CLAMP (p, P_LO, P_HI), x, pw), py_of (gb_corridor_value (p), y, ph), 7, &colors[k], pal);
      }
}

void
gb_corridor_paint (cairo_t *cr, int w, int h, const GbCorridorScene *s, const GbPalette *pal)
{
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_clip (cr);
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  gb_paint_text (cr, 10, 6, s->title ? s->title : _("The short corridor (Sutton & Barto, example 13.1)"), 13, &pal->fg,
                 GB_ALIGN_LEFT, TRUE);
  double top = 28, upper = (h - top) * 0.55;
  paint_curve (cr, 8, top, w - 16, upper - 6, s, pal);
  /* p and the returns over the episodes, for both. */
  const GbCorridorAgent *agents[2] = { s->plain, s->based };
  const char *names[2] = { "REINFORCE", _("with a baseline") };
  GbSeries ps[3], rs[3];
  int np = 0, nr = 0;
  g_autofree double *avg0 = NULL, *avg1 = NULL;
  double *avgs[2] = { NULL, NULL };
  int longest = 1;
  for (int k = 0; k < 2; k++)
    if (agents[k] != NULL && agents[k]->returns->len > 0)
      {
        int n = (int) agents[k]->returns->len;
        longest = MAX (longest, n);
        avgs[k] = g_new (double, n);
        gb_moving_average ((const double *) agents[k]->returns->data, n, 100, avgs[k]);
        GbRgb c = k ? pal->classes[0] : pal->classes[1];
        ps[np++] = (GbSeries) { .y = (const double *) agents[k]->ps->data, .n = n, .x0 = 1, .dx = 1, .color = c,
                                .width = 2, .label = names[k] };
        rs[nr++] = (GbSeries) { .y = avgs[k], .n = n, .x0 = 1, .dx = 1, .color = c, .width = 2, .label = names[k] };
      }
  avg0 = avgs[0], avg1 = avgs[1];
  /* The targets as flat lines. */
  g_autofree double *pstar = g_new (double, longest), *vstar = g_new (double, longest);
  for (int i = 0; i < longest; i++)
    pstar[i] = GB_CORRIDOR_BEST_P, vstar[i] = gb_corridor_best_value ();
  if (np > 0)
    {
      ps[np++] = (GbSeries) { .y = pstar, .n = longest, .x0 = 1, .dx = 1, .color = pal->muted, .width = 1,
                              .label = "p*" };
      rs[nr++] = (GbSeries) { .y = vstar, .n = longest, .x0 = 1, .dx = 1, .color = pal->muted, .width = 1,
                              .label = "v*" };
    }
  double half = (w - 16) / 2.0, y1 = top + upper, ph = h - y1 - 8;
  GbSeriesPlot pp = { _("p = π(right) after each episode"), _("episode"), ps, np, FALSE, _("press Run"), TRUE, 0, 1 };
  gb_series_plot_paint (cr, 8, y1, half - 6, ph, &pp, pal);
  GbSeriesPlot pr = { _("Return (average of 100 episodes)"), _("episode"), rs, nr, FALSE, _("press Run"), TRUE, -90, 0 };
  gb_series_plot_paint (cr, 8 + half, y1, half - 6, ph, &pr, pal);
  cairo_restore (cr);
}
