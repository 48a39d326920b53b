/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cartpole-paint.c — the cart-pole painter. */
#include "gb-rl-cartpole-paint.h"
#include <glib/gi18n.h>

#include "gb-series-paint.h"

#include <math.h>
#include <stdio.h>

#define THETA_LIMIT (12.0 * G_PI / 180.0)

static void
paint_track (cairo_t *cr, double x0, double y0, double w, double h, const GbCartScene *s, const GbPalette *pal)
{
  gb_paint_panel (cr, x0, y0, w, h, _("Cart and pole"), pal);
  /* ±2.4 m of track across the panel, with the failure limits marked. */
  double scale = (w - 40) / 4.8, cx = x0 + w / 2, ground = y0 + h - 40;
  gb_set_rgb (cr, &pal->muted);
  cairo_set_line_width (cr, 2);
  cairo_move_to (cr, cx - 2.4 * scale, ground);
  cairo_line_to (cr, cx + 2.4 * scale, ground);
  cairo_stroke (cr);
  for (int k = -1; k <= 1; k += 2)
    {
      cairo_move_to (cr, cx + k * 2.4 * scale, ground - 12);
      cairo_line_to (cr, cx + k * 2.4 * scale, ground + 12);
    }
  gb_set_rgb (cr, &pal->accent);
  cairo_stroke (cr);
  const GbCartState *st = s->state;
  double x = cx + st->x * scale, cw = 0.5 * scale, ch = 0.3 * scale;
  /* The pole: 1 m long (twice the half-length), hinged on the cart's top. */
  double px = x, py = ground - ch, len = 1.0 * scale;
  cairo_move_to (cr, px, py);
  cairo_line_to (cr, px + len * sin (st->theta), py - len * cos (st->theta));
  GbRgb pole = { 0.80, 0.40, 0.47 };
  gb_set_rgb (cr, &pole);
  cairo_set_line_width (cr, MAX (3.0, scale * 0.06));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_stroke (cr);
  gb_set_rgb (cr, &pal->accent2);
  cairo_rectangle (cr, x - cw / 2, ground - ch, cw, ch);
  cairo_fill (cr);
  gb_set_rgb (cr, &pal->fg);
  cairo_arc (cr, px, py, 4, 0, 2 * G_PI);
  cairo_fill (cr);
  char buf[128];
  snprintf (buf, sizeof buf, _("step %d   x = %.2f m   θ = %.1f°   ẋ = %.2f   θ̇ = %.2f"), s->step, st->x,
            st->theta * 180 / G_PI, st->x_dot, st->theta_dot);
  gb_paint_text (cr, x0 + 6, y0 + h - 22, buf, 11, &pal->fg, GB_ALIGN_LEFT, FALSE);
}

static void
paint_policy (cairo_t *cr, double x0, double y0, double w, double h, const GbCartScene *s, const GbPalette *pal)
{
  gb_paint_panel (cr, x0, y0, w, h, s->surface_title ? s->surface_title : _("π(push right | θ, θ̇), x = ẋ = 0"), pal);
  double px = x0 + 36, py = y0 + 24, pw = w - 48, ph = h - 50;
  const int n = GB_CART_SURFACE_N;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      {
        double p = s->surface[j * n + i];
        /* Left pushes purple, right pushes orange, undecided the background. */
        GbRgb c = p < 0.5 ? (GbRgb) { 0.329, 0.153, 0.533 } : (GbRgb) { 0.702, 0.345, 0.024 };
        double k = fabs (p - 0.5) * 2;
        GbRgb mix = { pal->bg.r + (c.r - pal->bg.r) * k, pal->bg.g + (c.g - pal->bg.g) * k, pal->bg.b + (c.b - pal->bg.b) * k };
        gb_set_rgb (cr, &mix);
        cairo_rectangle (cr, px + i * pw / n, py + j * ph / n, pw / n + 0.5, ph / n + 0.5);
        cairo_fill (cr);
      }
  /* The current state on the surface. */
  const GbCartState *st = s->state;
  double mx = px + (st->theta / THETA_LIMIT + 1) / 2 * pw, my = py + (1 - (st->theta_dot / 2.0 + 1) / 2) * ph;
  if (mx >= px && mx <= px + pw && my >= py && my <= py + ph)
    {
      cairo_arc (cr, mx, my, 4, 0, 2 * G_PI);
      gb_set_rgb (cr, &pal->fg);
      cairo_fill (cr);
    }
  gb_paint_text (cr, px, py + ph + 4, "θ −12°", 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
  gb_paint_text (cr, px + pw, py + ph + 4, "+12°", 10, &pal->muted, GB_ALIGN_RIGHT, FALSE);
  gb_paint_text (cr, x0 + 4, py, "θ̇ +2", 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
  gb_paint_text (cr, x0 + 4, py + ph - 12, "−2", 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
}

/* A line through ys (n) in the frame, y from lo to hi. */
static void
polyline (cairo_t *cr, double x0, double y0, double w, double h, const double *ys, int n, double lo, double hi,
          const GbRgb *color)
{
  for (int i = 0; i < n; i++)
    {
      double x = x0 + (n > 1 ? i * w / (n - 1) : 0), y = y0 + h - (ys[i] - lo) / MAX (hi - lo, 1e-9) * h;
      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  gb_set_rgb (cr, color);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
}

static void
paint_curves (cairo_t *cr, double x0, double y0, double w, double h, const GbCartScene *s, const GbPalette *pal)
{
  char buf[96];
  double half = w / 2 - 4;
  if (s->episode != NULL && s->episode->G->len > 0)
    {
      gboolean has_v = s->episode->V->len == s->episode->G->len;
      /* A DQN's π is ε-greedy, a near bang-bang switch: its max Q is drawn instead. */
      gboolean has_pi = !s->dqn;
      gb_paint_panel (cr, x0, y0, half, h, s->dqn ? _("This episode: G_t and max_a Q(s_t, a)")
                                  : has_v ? _("This episode: π(right|s_t), G_t and V(s_t)")
                                          : _("This episode: π(right|s_t) and G_t"), pal);
      int n = (int) s->episode->G->len;
      const double *G = (const double *) s->episode->G->data, *p = (const double *) s->episode->p_right->data;
      double px = x0 + 8, py = y0 + 36, pw = half - 16, ph = h - 46, top = G[0];
      for (int t = 0; has_v && t < n; t++)
        top = MAX (top, g_array_index (s->episode->V, double, t));
      if (has_pi)
        polyline (cr, px, py, pw, ph, p, n, 0, 1, &pal->accent2);
      polyline (cr, px, py, pw, ph, G, n, 0, top, &pal->accent);
      if (has_v)
        polyline (cr, px, py, pw, ph, (const double *) s->episode->V->data, n, 0, top, &pal->classes[2]);
      /* What each line is, on the line under the title; the numbers at its right. */
      double lx = x0 + 6, ly = y0 + 19;
      if (has_pi)
        lx += 10 + gb_paint_text (cr, lx, ly, _("— π(right)"), 10, &pal->accent2, GB_ALIGN_LEFT, FALSE);
      lx += 10 + gb_paint_text (cr, lx, ly, "— G_t", 10, &pal->accent, GB_ALIGN_LEFT, FALSE);
      if (has_v)
        gb_paint_text (cr, lx, ly, s->dqn ? "— max Q" : "— V(s_t)", 10, &pal->classes[2], GB_ALIGN_LEFT, FALSE);
      double mx = px + (n > 1 ? s->step * pw / (n - 1) : 0);
      gb_set_rgba (cr, &pal->fg, 0.6);
      cairo_move_to (cr, mx, py);
      cairo_line_to (cr, mx, py + ph);
      cairo_stroke (cr);
      if (has_v)
        snprintf (buf, sizeof buf, _("%d steps, G₀ = %.1f, %s = %.1f"), n, G[0], s->dqn ? "max Q(s₀)" : "V(s₀)",
                  g_array_index (s->episode->V, double, 0));
      else
        snprintf (buf, sizeof buf, _("%d steps, G₀ = %.1f"), n, G[0]);
      gb_paint_text (cr, x0 + half - 8, ly, buf, 10, &pal->muted, GB_ALIGN_RIGHT, FALSE);
    }
  if (s->returns != NULL && s->n_returns > 0)
    {
      /* The returns and their moving average over 100 episodes (the solved
       * threshold is an average of 475 over 100), with axes; long runs are
       * drawn as one bar per pixel column. */
      double rx = x0 + half + 8;
      int n = s->n_returns;
      g_autofree double *avg = g_new (double, n);
      gb_moving_average (s->returns, n, 100, avg);
      GbSeries series[2] = {
        { .y = s->returns, .n = n, .x0 = 1, .dx = 1, .color = pal->classes[6], .alpha = 0.6, .width = 1 },
        { .y = avg, .n = n, .x0 = 1, .dx = 1, .color = pal->classes[1], .width = 2, .label = _("average of 100") },
      };
      snprintf (buf, sizeof buf, _("Return per episode (%d)"), n);
      GbSeriesPlot plot = { buf, _("episode"), series, 2, FALSE, NULL, TRUE, 0, 520 };
      gb_series_plot_paint (cr, rx, y0, half, h, &plot, pal);
    }
}

void
gb_cartpole_paint (cairo_t *cr, int w, int h, const GbCartScene *s, const GbPalette *pal)
{
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_clip (cr);
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  double top = 8;
  if (s->title)
    {
      gb_paint_text (cr, 10, 6, s->title, 13, &pal->fg, GB_ALIGN_LEFT, TRUE);
      top = 28;
    }
  double upper = (h - top) * 0.6, left = s->surface ? w * 0.6 : w - 16;
  paint_track (cr, 8, top, left - 8, upper - 8, s, pal);
  if (s->surface != NULL)
    paint_policy (cr, left + 8, top, w - left - 16, upper - 8, s, pal);
  paint_curves (cr, 8, top + upper, w - 16, h - top - upper - 8, s, pal);
  cairo_restore (cr);
}

static const char *
replay_title (GbCartAlgo algo)
{
  switch (algo)
    {
    case GB_CART_LINEAR:       return _("Cart-pole — REINFORCE, the last episode replayed");
    case GB_CART_REINFORCE:    return _("Cart-pole — REINFORCE with an MLP policy, the last episode replayed");
    case GB_CART_BASELINE:     return _("Cart-pole — REINFORCE with a learned baseline, the last episode replayed");
    case GB_CART_ACTOR_CRITIC: return _("Cart-pole — actor-critic, the last episode replayed");
    case GB_CART_DQN:          return _("Cart-pole — DQN (ε-greedy), the last episode replayed");
    default:                   return "Cart-pole";
    }
}

GbCartScene
gb_cartpole_replay_scene (GbCartAlgo algo, const double *surface, const GbCartEpisode *ep, int step,
                          const double *returns, int n_returns)
{
  static const GbCartState zero = { 0 };
  int len = ep ? (int) ep->states->len : 0;
  step = CLAMP (step, 0, MAX (len - 1, 0));
  GbCartScene s = { len > 0 ? &g_array_index (ep->states, GbCartState, step) : &zero, step, surface,
                    len > 0 ? ep : NULL, returns, n_returns, replay_title (algo) };
  if (algo == GB_CART_DQN)
    s.surface_title = _("Greedy action argmax_a Q(s, a), x = ẋ = 0"), s.dqn = TRUE;
  return s;
}
