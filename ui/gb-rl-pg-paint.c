/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-pg-paint.c — the variance a baseline removes (see the header). */
#include "gb-rl-pg-paint.h"
#include <glib/gi18n.h>

#include <math.h>
#include <stdio.h>

#define BINS 40

/* Counts of v (n) in BINS bins over [lo, hi]. */
static void
histogram (const double *v, int n, double lo, double hi, int *count)
{
  for (int k = 0; k < BINS; k++)
    count[k] = 0;
  for (int i = 0; i < n; i++)
    count[CLAMP ((int) ((v[i] - lo) / (hi - lo) * BINS), 0, BINS - 1)]++;
}

static void
bars (cairo_t *cr, double x, double y, double w, double h, const int *count, int top, const GbRgb *c, double alpha)
{
  gb_set_rgba (cr, c, alpha);
  for (int k = 0; k < BINS; k++)
    if (count[k] > 0)
      {
        double bh = h * count[k] / (double) top;
        cairo_rectangle (cr, x + k * w / BINS + 0.5, y + h - bh, w / BINS - 1, bh);
      }
  cairo_fill (cr);
}

void
gb_pg_spread_paint (cairo_t *cr, int w, int h, const GbPgScene *sc, const GbPalette *pal)
{
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_clip (cr);
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  gb_paint_text (cr, 10, 6, sc->title ? sc->title : _("Why a baseline helps"), 13, &pal->fg, GB_ALIGN_LEFT, TRUE);
  if (sc->status != NULL)
    gb_paint_text (cr, 10, 26, sc->status, 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
  const GbPgSpread *s = sc->spread;
  if (s == NULL)
    {
      gb_paint_text (cr, w / 2.0, h / 2.0, _("Press Measure: fresh episodes of the current policy, each one gradient "
                     "estimate, with and without the baseline"), 12, &pal->muted, GB_ALIGN_CENTER, FALSE);
      cairo_restore (cr);
      return;
    }
  /* One scale for both: the spread of the plain estimates sets it. */
  double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;
  for (int i = 0; i < s->n; i++)
    {
      lo = MIN (lo, MIN (s->proj_plain[i], s->proj_based[i]));
      hi = MAX (hi, MAX (s->proj_plain[i], s->proj_based[i]));
    }
  double pad = MAX ((hi - lo) * 0.05, 1e-9);
  lo -= pad, hi += pad;
  int cp[BINS], cb[BINS], top = 1;
  histogram (s->proj_plain, s->n, lo, hi, cp);
  histogram (s->proj_based, s->n, lo, hi, cb);
  for (int k = 0; k < BINS; k++)
    top = MAX (top, MAX (cp[k], cb[k]));
  double px = 50, py = 70, pw = w - 80, ph = h - 190;
  GbRgb plain = pal->classes[1], based = pal->classes[0];
  bars (cr, px, py, pw, ph, cp, top, &plain, 0.55);
  bars (cr, px, py, pw, ph, cb, top, &based, 0.55);
  /* Axes, zero and the mean gradient's length (both estimators' mean: the baseline adds no bias). */
  gb_set_rgb (cr, &pal->fg);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, px, py + ph + 0.5);
  cairo_line_to (cr, px + pw, py + ph + 0.5);
  cairo_stroke (cr);
  double zx = px + (0 - lo) / (hi - lo) * pw, mx = px + (s->norm_mean - lo) / (hi - lo) * pw;
  if (zx >= px && zx <= px + pw)
    {
      gb_set_rgb (cr, &pal->muted);
      cairo_move_to (cr, zx + 0.5, py);
      cairo_line_to (cr, zx + 0.5, py + ph);
      cairo_stroke (cr);
      gb_paint_text (cr, zx, py + ph + 4, "0", 10, &pal->muted, GB_ALIGN_CENTER, FALSE);
    }
  gb_set_rgb (cr, &pal->accent);
  cairo_set_line_width (cr, 2);
  cairo_move_to (cr, mx, py - 6);
  cairo_line_to (cr, mx, py + ph);
  cairo_stroke (cr);
  char buf[160];
  snprintf (buf, sizeof buf, "‖ḡ‖ = %.3g", s->norm_mean);
  gb_paint_text (cr, mx + 4, py - 10, buf, 10, &pal->accent, GB_ALIGN_LEFT, FALSE);
  snprintf (buf, sizeof buf, "%.3g", lo);
  gb_paint_text (cr, px, py + ph + 4, buf, 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
  snprintf (buf, sizeof buf, "%.3g", hi);
  gb_paint_text (cr, px + pw, py + ph + 4, buf, 10, &pal->muted, GB_ALIGN_RIGHT, FALSE);
  gb_paint_text (cr, px + pw / 2, py + ph + 18, _("each episode's gradient estimate g, projected on the mean gradient's "
                   "direction"), 10, &pal->muted, GB_ALIGN_CENTER, FALSE);
  /* Legend and numbers. */
  double y = py + ph + 44;
  gb_set_rgba (cr, &plain, 0.55);
  cairo_rectangle (cr, px, y + 2, 12, 10);
  cairo_fill (cr);
  snprintf (buf, sizeof buf, _("no baseline, Ψ_t = G_t: total variance E‖g − ḡ‖² = %.4g"), s->var_plain);
  gb_paint_text (cr, px + 18, y, buf, 11, &pal->fg, GB_ALIGN_LEFT, FALSE);
  y += 20;
  gb_set_rgba (cr, &based, 0.55);
  cairo_rectangle (cr, px, y + 2, 12, 10);
  cairo_fill (cr);
  snprintf (buf, sizeof buf, _("with the baseline, Ψ_t = G_t − %s: total variance %.4g"), sc->critic ? "V(s_t)"
            : _("mean G"), s->var_based);
  gb_paint_text (cr, px + 18, y, buf, 11, &pal->fg, GB_ALIGN_LEFT, FALSE);
  y += 22;
  snprintf (buf, sizeof buf, _("The baseline divides the variance by %.1f: as many fewer episodes for the same "
                                "precision. %d episodes, %lld steps, %zu parameters."),
            s->var_based > 0 ? s->var_plain / s->var_based : 0.0, s->n, (long long) s->steps, (size_t) s->dim);
  gb_paint_text (cr, px, y, buf, 11, &pal->fg, GB_ALIGN_LEFT, TRUE);
  cairo_restore (cr);
}
