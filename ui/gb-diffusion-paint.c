/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-paint.c — point clouds and the noise schedule. */
#include "gb-diffusion-paint.h"
#include <glib/gi18n.h>

#include <math.h>
#include <stdio.h>

static double
side_of (double w, double h)
{
  return MAX (10.0, MIN (w, h) - 16);
}

static void
frame_of (double x, double y, double w, double h, double *fx, double *fy, double *side)
{
  *side = side_of (w, h);
  *fx = x + (w - *side) / 2;
  *fy = y + (h - *side) / 2;
}

void
gb_cloud_to_data (double x, double y, double w, double h, double extent, double px, double py, float *dx, float *dy)
{
  double fx, fy, side;
  frame_of (x, y, w, h, &fx, &fy, &side);
  *dx = (float) (((px - fx) / side * 2 - 1) * extent);
  *dy = (float) ((1 - (py - fy) / side * 2) * extent);
}

void
gb_cloud_field_points (int side, double extent, float *points)
{
  for (int i = 0; i < side; i++)
    for (int j = 0; j < side; j++)
      {
        points[2 * (i * side + j)] = (float) (-extent + (j + 0.5) * 2 * extent / side);
        points[2 * (i * side + j) + 1] = (float) (extent - (i + 0.5) * 2 * extent / side);
      }
}

int
gb_cloud_hit (double x, double y, double w, double h, const GbCloudScene *s, double px, double py)
{
  double fx, fy, side;
  frame_of (x, y, w, h, &fx, &fy, &side);
  double k = side / (2 * s->extent), best = 8.0 * 8.0;
  int hit = -1;
  for (int i = 0; i < s->n; i++)
    {
      double X = fx + (s->points[2 * i] + s->extent) * k, Y = fy + (s->extent - s->points[2 * i + 1]) * k;
      double d2 = (X - px) * (X - px) + (Y - py) * (Y - py);
      if (d2 < best)
        best = d2, hit = i;
    }
  return hit;
}

void
gb_cloud_paint (cairo_t *cr, double x, double y, double w, double h, const GbCloudScene *s, const GbPalette *pal)
{
  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  double fx, fy, side;
  frame_of (x, y, w, h, &fx, &fy, &side);
  double k = side / (2 * s->extent);
#define PX(v) (fx + ((v) + s->extent) * k)
#define PY(v) (fy + (s->extent - (v)) * k)
  /* Axes through the origin and a unit grid. */
  cairo_set_line_width (cr, 1);
  gb_set_rgb (cr, &pal->grid);
  for (int g = (int) -floor (s->extent); g <= (int) floor (s->extent); g++)
    {
      cairo_move_to (cr, round (PX (g)) + 0.5, fy);
      cairo_line_to (cr, round (PX (g)) + 0.5, fy + side);
      cairo_move_to (cr, fx, round (PY (g)) + 0.5);
      cairo_line_to (cr, fx + side, round (PY (g)) + 0.5);
    }
  cairo_stroke (cr);
  gb_set_rgb (cr, &pal->muted);
  cairo_rectangle (cr, fx + 0.5, fy + 0.5, side - 1, side - 1);
  cairo_stroke (cr);
  cairo_rectangle (cr, fx, fy, side, side);
  cairo_clip (cr);
  /* The data, faint, and the cloud: thousands of small squares, filled
   * without antialiasing (which tripled the cost of a frame). */
  cairo_antialias_t aa = cairo_get_antialias (cr);
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);
  if (s->target != NULL && s->target_labels != NULL)
    {
      /* One path per class, in the Latent space view's colours. */
      for (int cls = 0; cls < GB_PALETTE_N_CLASSES; cls++)
        {
          for (int i = 0; i < s->n_target; i++)
            if (s->target_labels[i] % GB_PALETTE_N_CLASSES == cls)
              cairo_rectangle (cr, PX (s->target[2 * i]) - 1.25, PY (s->target[2 * i + 1]) - 1.25, 2.5, 2.5);
          GbRgb c = gb_palette_class (pal, cls);
          gb_set_rgba (cr, &c, 0.45);
          cairo_fill (cr);
        }
    }
  else if (s->target != NULL)
    {
      gb_set_rgba (cr, &pal->muted, 0.25);
      for (int i = 0; i < s->n_target; i++)
        cairo_rectangle (cr, PX (s->target[2 * i]) - 1, PY (s->target[2 * i + 1]) - 1, 2, 2);
      cairo_fill (cr);
    }
  cairo_set_antialias (cr, aa);
  /* The field: −ε̂ points towards the data (the score is −ε̂/√(1−ᾱ)). */
  if (s->field != NULL && s->field_side > 1)
    {
      int m = s->field_side;
      double step = 2 * s->extent / m, len = 0.45 * step * k;
      gb_set_rgba (cr, &pal->accent2, 0.7);
      /* Each arrow a filled polygon (shaft and head), all in one fill:
       * cairo strokes hundreds of short joined lines several times slower. */
      for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
          {
            double cx = -s->extent + (j + 0.5) * step, cy = s->extent - (i + 0.5) * step;
            double ex = -s->field[2 * (i * m + j)], ey = -s->field[2 * (i * m + j) + 1];
            double norm = hypot (ex, ey);
            if (norm < 1e-6)
              continue;
            double l = len * MIN (1.0, norm) / norm;
            double X0 = PX (cx), Y0 = PY (cy), X1 = X0 + ex * l, Y1 = Y0 - ey * l;
            double dx = X1 - X0, dy = Y1 - Y0, L = hypot (dx, dy);
            if (L < 0.5)
              continue;
            double ux = dx / L, uy = dy / L, head = MIN (4.5, L), hw = 0.6;
            double Bx = X1 - ux * head, By = Y1 - uy * head;   /* the head's base */
            cairo_move_to (cr, X0 - uy * hw, Y0 + ux * hw);
            cairo_line_to (cr, Bx - uy * hw, By + ux * hw);
            cairo_line_to (cr, Bx - uy * 2.6, By + ux * 2.6);
            cairo_line_to (cr, X1, Y1);
            cairo_line_to (cr, Bx + uy * 2.6, By - ux * 2.6);
            cairo_line_to (cr, Bx + uy * hw, By - ux * hw);
            cairo_line_to (cr, X0 + uy * hw, Y0 - ux * hw);
            cairo_close_path (cr);
          }
      cairo_fill (cr);
    }
  /* The cloud: one path of small squares, filled at once. */
  GbRgb dot = pal->classes[1];
  gb_set_rgba (cr, &dot, 0.75);
  /* Whole pixels, so every square has the same size without antialiasing. */
  double px = s->n > 3000 ? 2 : 3;
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);
  for (int i = 0; i < s->n; i++)
    cairo_rectangle (cr, round (PX (s->points[2 * i]) - px / 2), round (PY (s->points[2 * i + 1]) - px / 2), px, px);
  cairo_fill (cr);
  cairo_set_antialias (cr, aa);
  /* Selected points and their trajectories. */
  for (int k2 = 0; k2 < s->n_selected; k2++)
    {
      GbRgb c = pal->classes[(k2 * 3 + 4) % GB_PALETTE_N_CLASSES];
      if (s->trails != NULL && s->trail_len > 1)
        {
          const float *tr = s->trails + (gsize) k2 * s->trail_len * 2;
          cairo_move_to (cr, PX (tr[0]), PY (tr[1]));
          for (int i = 1; i < s->trail_len; i++)
            cairo_line_to (cr, PX (tr[2 * i]), PY (tr[2 * i + 1]));
          gb_set_rgba (cr, &c, 0.8);
          cairo_set_line_width (cr, 1.5);
          cairo_stroke (cr);
        }
      int i = s->selected[k2];
      if (i < 0 || i >= s->n)
        continue;
      cairo_arc (cr, PX (s->points[2 * i]), PY (s->points[2 * i + 1]), 5, 0, 2 * G_PI);
      gb_set_rgb (cr, &c);
      cairo_fill_preserve (cr);
      gb_set_rgb (cr, &pal->bg);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
#undef PX
#undef PY
  cairo_restore (cr);
  if (s->title)
    gb_paint_text (cr, fx + 6, fy + 4, s->title, 12, &pal->fg, GB_ALIGN_LEFT, TRUE);
}

void
gb_schedule_paint (cairo_t *cr, double x, double y, double w, double h, const GbScheduleScene *s,
                   const GbPalette *pal)
{
  const GbSchedule *sc = s->schedule;
  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  int T = sc->T, t = CLAMP (s->t, 0, T);
  char buf[160];
  double snr = gb_schedule_snr (sc, t);
  if (t == 0)
    g_snprintf (buf, sizeof buf, _("t = 0 of %d · the data: ᾱ = 1, SNR = ∞"), T);
  else
    g_snprintf (buf, sizeof buf, _("t = %d of %d · β_t = %.3g · ᾱ_t = %.4f · SNR = %.3g (log %.2f)"), t, T, sc->beta[t],
                sc->alpha_bar[t], snr, log (snr));
  gb_paint_text (cr, x + 8, y + 4, buf, 11, &pal->fg, GB_ALIGN_LEFT, FALSE);
  double left = x + 8, right = x + w - 8, top = y + 24, bottom = y + h - 18;
  if (right - left < 20 || bottom - top < 20)
    {
      cairo_restore (cr);
      return;
    }
  gb_set_rgb (cr, &pal->muted);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, left + 0.5, top + 0.5, right - left, bottom - top);
  cairo_stroke (cr);
  /* log SNR on its own range. */
  double lo = INFINITY, hi = -INFINITY;
  for (int k = 1; k <= T; k++)
    {
      double l = log (gb_schedule_snr (sc, k));
      if (isfinite (l))
        lo = MIN (lo, l), hi = MAX (hi, l);
    }
  double bmax = 0;
  for (int k = 1; k <= T; k++)
    bmax = MAX (bmax, sc->beta[k]);
  struct { int which; GbRgb color; const char *label; } curves[] = {
    { 0, pal->classes[0], _("β_t (to its max)") }, { 1, pal->classes[1], "ᾱ_t" }, { 2, pal->classes[2], "log SNR" },
  };
  int cols = (int) (right - left);
  for (guint c = 0; c < G_N_ELEMENTS (curves); c++)
    {
      gboolean pen = FALSE;
      for (int px = 0; px <= cols; px++)
        {
          int k = 1 + (int) ((gint64) px * (T - 1) / MAX (cols, 1));
          double v = curves[c].which == 0 ? sc->beta[k] / MAX (bmax, 1e-12)
                   : curves[c].which == 1 ? sc->alpha_bar[k]
                                          : (log (gb_schedule_snr (sc, k)) - lo) / MAX (hi - lo, 1e-9);
          if (!isfinite (v))
            {
              pen = FALSE;
              continue;
            }
          double X = left + px, Y = bottom - CLAMP (v, 0, 1) * (bottom - top);
          if (pen)
            cairo_line_to (cr, X, Y);
          else
            cairo_move_to (cr, X, Y);
          pen = TRUE;
        }
      gb_set_rgb (cr, &curves[c].color);
      cairo_set_line_width (cr, 1.8);
      cairo_stroke (cr);
      gb_paint_text (cr, right - 4, top + 4 + c * 14, curves[c].label, 10, &curves[c].color, GB_ALIGN_RIGHT, FALSE);
    }
  /* The marker at t. */
  double X = left + (T > 1 ? (double) (MAX (t, 1) - 1) / (T - 1) : 0) * (right - left);
  gb_set_rgb (cr, &pal->accent);
  cairo_set_line_width (cr, 2);
  cairo_move_to (cr, round (X) + 0.5, top);
  cairo_line_to (cr, round (X) + 0.5, bottom);
  cairo_stroke (cr);
  gb_paint_text (cr, left, bottom + 2, "t = 1", 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
  g_snprintf (buf, sizeof buf, "t = %d", T);
  gb_paint_text (cr, right, bottom + 2, buf, 10, &pal->muted, GB_ALIGN_RIGHT, FALSE);
  cairo_restore (cr);
}

void
gb_image_mosaic_paint (cairo_t *cr, double x, double y, double w, double h, const float *images, int n, int side,
                     const GbPalette *pal)
{
  if (n < 1)
    return;
  int cols = (int) ceil (sqrt (n * w / MAX (h, 1.0))), rows;
  cols = CLAMP (cols, 1, n);
  rows = (n + cols - 1) / cols;
  double cell = floor (MIN ((w - 2) / cols, (h - 2) / rows)), ox = x + (w - cell * cols) / 2, oy = y + (h - cell * rows) / 2;
  g_autofree float *img = g_new (float, (gsize) side * side);
  for (int i = 0; i < n; i++)
    {
      const float *src = images + (gsize) i * side * side;
      for (int k = 0; k < side * side; k++)
        img[k] = CLAMP ((src[k] + 1.0f) * 0.5f, 0.0f, 1.0f);
      gb_paint_image (cr, ox + (i % cols) * cell + 1, oy + (i / cols) * cell + 1, cell - 2, cell - 2, img, side, side,
                      pal);
    }
}

/* --- the image domain --- */

typedef struct {
  double gx, gy, cell;      /* the grid's origin and cell size */
  int cols;
  double tx, ty, tsz, gap;  /* the triptych (a column beside the grid): origin, panel size, gap */
  double ny;                /* the note's top, under the grid */
} ImageLayout;

static void
image_layout (double x, double y, double w, double h, const GbImageScene *s, ImageLayout *l)
{
  double top = y + 30, avail = h - 36;
  int n = MAX (s->n, 1);
  l->cols = (int) ceil (sqrt (n));
  int rows = (n + l->cols - 1) / l->cols;
  double gw = MIN (w * 0.46, avail - 70);
  l->cell = MAX (4, floor (MIN ((gw - 2) / l->cols, (avail - 70) / rows)));
  l->gx = x + 8, l->gy = top;
  l->ny = l->gy + l->cell * rows + 12;
  l->gap = 10;
  l->tx = l->gx + l->cell * l->cols + 24, l->ty = top;
  double rest = x + w - l->tx - 8;
  l->tsz = floor (MIN ((avail - 2 * l->gap) / 3, rest - 150));
  l->tsz = MAX (l->tsz, 0);
}

static void
outline_pixel (cairo_t *cr, double ox, double oy, double size, int side, int pixel, const GbPalette *pal)
{
  double p = size / side;
  gb_set_rgba (cr, &pal->accent, 0.95);
  cairo_set_line_width (cr, 1.5);
  cairo_rectangle (cr, ox + (pixel % side) * p - 0.5, oy + (pixel / side) * p - 0.5, p + 1, p + 1);
  cairo_stroke (cr);
}

void
gb_image_scene_paint (cairo_t *cr, double x, double y, double w, double h, const GbImageScene *s, const GbPalette *pal)
{
  gb_set_rgb (cr, &pal->bg);
  cairo_rectangle (cr, x, y, w, h);
  cairo_fill (cr);
  if (s->title != NULL)
    gb_paint_text (cr, x + 8, y + 6, s->title, 13, &pal->fg, GB_ALIGN_LEFT, TRUE);
  if (s->n < 1 || s->images == NULL)
    return;
  ImageLayout l;
  image_layout (x, y, w, h, s, &l);
  int D = s->side * s->side;
  g_autofree float *img = g_new (float, D);
  for (int i = 0; i < s->n; i++)
    {
      const float *src = s->images + (gsize) i * D;
      for (int k = 0; k < D; k++)
        img[k] = CLAMP ((src[k] + 1.0f) * 0.5f, 0.0f, 1.0f);
      double cx = l.gx + (i % l.cols) * l.cell, cy = l.gy + (i / l.cols) * l.cell;
      gb_paint_image (cr, cx + 1, cy + 1, l.cell - 2, l.cell - 2, img, s->side, s->side, pal);
      if (i == s->selected)
        {
          gb_set_rgb (cr, &pal->accent);
          cairo_set_line_width (cr, 3);
          cairo_rectangle (cr, cx + 0.5, cy + 0.5, l.cell - 1, l.cell - 1);
          cairo_stroke (cr);
        }
      if (i == s->hover_image && s->hover_pixel >= 0)
        outline_pixel (cr, cx + 1, cy + 1, l.cell - 2, s->side, s->hover_pixel, pal);
    }
  if (s->note != NULL)
    {
      g_auto (GStrv) lines = g_strsplit (s->note, "\n", -1);
      double ty = l.ny;
      for (int i = 0; lines[i] != NULL && ty < y + h - 14; i++, ty += 17)
        gb_paint_text (cr, l.gx, ty, lines[i], 12, &pal->fg, GB_ALIGN_LEFT, FALSE);
    }
  if (l.tsz < 24)
    return;
  if (s->selected < 0 || s->selected >= s->n)
    {
      gb_paint_text (cr, l.tx, l.ty, _("Click an image to see x_t, ε̂ and x̂₀"), 12, &pal->muted, GB_ALIGN_LEFT, FALSE);
      return;
    }
  static const char *const names[] = { "x_t", "ε̂", "x̂₀" };
  static const char *const what[] = { N_("what the model sees"), N_("the noise it predicts"), N_("the clean image it predicts") };
  static const double scale[] = { 1, 2.5, 1 };   /* ± the value drawn white */
  const float *src[3] = { s->xt ? s->xt : s->images + (gsize) s->selected * D, s->eps, s->x0 };
  for (int p = 0; p < 3; p++)
    {
      double py = l.ty + p * (l.tsz + l.gap), lx = l.tx + l.tsz + 10;
      gb_paint_text (cr, lx, py + 4, names[p], 16, &pal->fg, GB_ALIGN_LEFT, TRUE);
      gb_paint_text (cr, lx, py + 28, _(what[p]), 11, &pal->fg, GB_ALIGN_LEFT, FALSE);
      char range[32], buf[96];
      g_snprintf (range, sizeof range, "−%g … %g", scale[p], scale[p]);   /* the locale's decimal sign */
      g_snprintf (buf, sizeof buf, _("black … white: %s"), range);
      gb_paint_text (cr, lx, py + 44, buf, 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
      if (src[p] == NULL)
        {
          gb_set_rgba (cr, &pal->muted, 0.15);
          cairo_rectangle (cr, l.tx, py, l.tsz, l.tsz);
          cairo_fill (cr);
          gb_paint_text (cr, l.tx + l.tsz / 2, py + l.tsz / 2 - 8, _("none at t = 0"), 11, &pal->muted, GB_ALIGN_CENTER,
                         FALSE);
          continue;
        }
      /* Noise is drawn from −2.5 (ink background) to 2.5; images from −1 to 1. */
      for (int k = 0; k < D; k++)
        img[k] = p == 1 ? CLAMP ((src[p][k] + 2.5f) / 5.0f, 0.0f, 1.0f) : CLAMP ((src[p][k] + 1.0f) * 0.5f, 0.0f, 1.0f);
      gb_paint_image (cr, l.tx, py, l.tsz, l.tsz, img, s->side, s->side, pal);
      if (s->hover_image == s->selected && s->hover_pixel >= 0)
        outline_pixel (cr, l.tx, py, l.tsz, s->side, s->hover_pixel, pal);
    }
}

gboolean
gb_image_scene_hit (double x, double y, double w, double h, const GbImageScene *s, double px, double py, int *image,
                    int *pixel)
{
  if (s->n < 1 || s->images == NULL)
    return FALSE;
  ImageLayout l;
  image_layout (x, y, w, h, s, &l);
  int rows = (s->n + l.cols - 1) / l.cols;
  double u = (px - l.gx) / l.cell, v = (py - l.gy) / l.cell;
  if (u >= 0 && v >= 0 && u < l.cols && v < rows)
    {
      int i = (int) v * l.cols + (int) u;
      if (i >= s->n)
        return FALSE;
      double fu = (u - floor (u)) * l.cell - 1, fv = (v - floor (v)) * l.cell - 1, inner = l.cell - 2;
      int c = CLAMP ((int) (fu / inner * s->side), 0, s->side - 1), r = CLAMP ((int) (fv / inner * s->side), 0, s->side - 1);
      *image = i, *pixel = r * s->side + c;
      return TRUE;
    }
  if (s->selected < 0 || l.tsz < 24 || px < l.tx || px >= l.tx + l.tsz)
    return FALSE;
  for (int p = 0; p < 3; p++)
    {
      double oy = l.ty + p * (l.tsz + l.gap);
      if (py >= oy && py < oy + l.tsz)
        {
          int c = (int) ((px - l.tx) / l.tsz * s->side), r = (int) ((py - oy) / l.tsz * s->side);
          *image = s->selected, *pixel = CLAMP (r, 0, s->side - 1) * s->side + CLAMP (c, 0, s->side - 1);
          return TRUE;
        }
    }
  return FALSE;
}
