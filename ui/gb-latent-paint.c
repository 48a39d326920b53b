/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-paint.c — the latent plane and its info panel. */
#include "gb-latent-paint.h"
#include <glib/gi18n.h>

#include <math.h>
#include <stdio.h>

/* --- viewport --- */

void
gb_viewport_to_screen (const GbViewport *vp, int w, int h, double zx, double zy, double *sx, double *sy)
{
  *sx = w / 2.0 + (zx - vp->cx) * vp->scale;
  *sy = h / 2.0 - (zy - vp->cy) * vp->scale;
}

void
gb_viewport_to_latent (const GbViewport *vp, int w, int h, double sx, double sy, double *zx, double *zy)
{
  *zx = vp->cx + (sx - w / 2.0) / vp->scale;
  *zy = vp->cy - (sy - h / 2.0) / vp->scale;
}

void
gb_viewport_reset (GbViewport *vp, int w, int h, double r)
{
  vp->cx = 0.0;
  vp->cy = 0.0;
  vp->scale = MAX (MIN (w, h), 1) / (2.0 * r);
}

void
gb_viewport_fit (GbViewport *vp, int w, int h, const double box[4])
{
  vp->cx = 0.5 * (box[0] + box[1]);
  vp->cy = 0.5 * (box[2] + box[3]);
  vp->scale = MIN (MAX (w, 1) / (box[1] - box[0]), MAX (h, 1) / (box[3] - box[2]));
}

void
gb_viewport_zoom (GbViewport *vp, int w, int h, double sx, double sy, double factor)
{
  double zx, zy;
  gb_viewport_to_latent (vp, w, h, sx, sy, &zx, &zy);
  vp->scale = CLAMP (vp->scale * factor, 1.0, 1e6);
  /* Keep (zx, zy) under (sx, sy). */
  vp->cx = zx - (sx - w / 2.0) / vp->scale;
  vp->cy = zy + (sy - h / 2.0) / vp->scale;
}

/* --- the plane --- */

#define LEGEND_ROW 20.0
#define LEGEND_W 150.0
#define LEGEND_PAD 8.0
#define AXIS_MARGIN 0.0

/* The message across the top: the scene's own, or else how many points have
 * codes that are not finite numbers (a model whose weights overflow), which
 * the scatter cannot place. Returns NULL when there is nothing to say. */
static const char *
banner_text (const GbLatentScene *s, char *buf, gsize size)
{
  if (s->banner != NULL)
    return s->banner;
  guint32 bad = 0;
  for (guint32 i = 0; s->mu != NULL && i < s->n_points; i++)
    bad += !isfinite (s->mu[2 * i]) || !isfinite (s->mu[2 * i + 1]);
  if (bad == 0)
    return NULL;
  g_snprintf (buf, size, _("%u of %u test images encode to codes that are not finite numbers "
              "(the model's weights overflow): they are not drawn"), bad, s->n_points);
  return buf;
}

static void
legend_rect (int w, int h, const GbLatentScene *s, double *x, double *y, double *lw, double *lh)
{
  char buf[200];
  *lw = LEGEND_W;
  *lh = s->n_classes * LEGEND_ROW + 2 * LEGEND_PAD;
  *x = w - *lw - 12;
  *y = 12 + (banner_text (s, buf, sizeof buf) ? 34 : 0);
}

int
gb_latent_legend_hit (int w, int h, const GbLatentScene *s, double x, double y)
{
  if (s->mu == NULL || s->n_classes <= 0)
    return -1;
  double lx, ly, lw, lh;
  legend_rect (w, h, s, &lx, &ly, &lw, &lh);
  if (x < lx || x > lx + lw || y < ly + LEGEND_PAD || y >= ly + lh - LEGEND_PAD)
    return -1;
  int k = (int) ((y - ly - LEGEND_PAD) / LEGEND_ROW);
  return k >= 0 && k < s->n_classes ? k : -1;
}

static void
paint_axes (cairo_t *cr, int w, int h, const GbViewport *vp, const char *const names[2], const GbPalette *pal)
{
  double zx0, zy0, zx1, zy1;
  gb_viewport_to_latent (vp, w, h, 0, h, &zx0, &zy0);
  gb_viewport_to_latent (vp, w, h, w, 0, &zx1, &zy1);
  double step = gb_nice_step (MIN (zx1 - zx0, zy1 - zy0), 8);
  cairo_set_line_width (cr, 1.0);
  gb_set_rgb (cr, &pal->grid);
  for (double v = ceil (zx0 / step) * step; v <= zx1; v += step)
    {
      double sx, sy;
      gb_viewport_to_screen (vp, w, h, v, 0, &sx, &sy);
      cairo_move_to (cr, round (sx) + 0.5, 0);
      cairo_line_to (cr, round (sx) + 0.5, h);
    }
  for (double v = ceil (zy0 / step) * step; v <= zy1; v += step)
    {
      double sx, sy;
      gb_viewport_to_screen (vp, w, h, 0, v, &sx, &sy);
      cairo_move_to (cr, 0, round (sy) + 0.5);
      cairo_line_to (cr, w, round (sy) + 0.5);
    }
  cairo_stroke (cr);

  /* The axes through 0, and tick labels along the bottom and left edges. */
  double ox, oy;
  gb_viewport_to_screen (vp, w, h, 0, 0, &ox, &oy);
  gb_set_rgba (cr, &pal->muted, 0.6);
  cairo_move_to (cr, round (ox) + 0.5, 0);
  cairo_line_to (cr, round (ox) + 0.5, h);
  cairo_move_to (cr, 0, round (oy) + 0.5);
  cairo_line_to (cr, w, round (oy) + 0.5);
  cairo_stroke (cr);

  char buf[32];
  int decimals = step >= 1 ? 0 : (int) ceil (-log10 (step) - 1e-9);
  for (double v = ceil (zx0 / step) * step; v <= zx1; v += step)
    {
      double sx, sy;
      gb_viewport_to_screen (vp, w, h, v, 0, &sx, &sy);
      snprintf (buf, sizeof buf, "%.*f", decimals, fabs (v) < step / 2 ? 0.0 : v);
      gb_paint_text (cr, sx, h - 18, buf, 11, &pal->muted, GB_ALIGN_CENTER, FALSE);
    }
  for (double v = ceil (zy0 / step) * step; v <= zy1; v += step)
    {
      double sx, sy;
      gb_viewport_to_screen (vp, w, h, 0, v, &sx, &sy);
      if (sy > h - 30)
        continue;
      snprintf (buf, sizeof buf, "%.*f", decimals, fabs (v) < step / 2 ? 0.0 : v);
      gb_paint_text (cr, 4, sy - 7, buf, 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
    }
  gb_paint_text (cr, w - 8, h - 36, names[0] ? names[0] : "z₁", 13, &pal->muted, GB_ALIGN_RIGHT, TRUE);
  gb_paint_text (cr, 30, 6, names[1] ? names[1] : "z₂", 13, &pal->muted, GB_ALIGN_LEFT, TRUE);
}

static void
paint_prior_rings (cairo_t *cr, int w, int h, const GbViewport *vp, const GbPalette *pal)
{
  double ox, oy;
  gb_viewport_to_screen (vp, w, h, 0, 0, &ox, &oy);
  cairo_save (cr);
  double dash[] = { 4.0, 4.0 };
  cairo_set_dash (cr, dash, 2, 0);
  cairo_set_line_width (cr, 1.2);
  for (int k = 1; k <= 3; k++)
    {
      gb_set_rgba (cr, &pal->fg, 0.35 - 0.07 * k);
      cairo_new_sub_path (cr);
      cairo_arc (cr, ox, oy, k * vp->scale, 0, 2 * G_PI);
      cairo_stroke (cr);
      char label[8];
      snprintf (label, sizeof label, "%dσ", k);
      gb_paint_text (cr, ox + k * vp->scale * M_SQRT1_2 + 2, oy - k * vp->scale * M_SQRT1_2 - 14,
                     label, 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
    }
  cairo_restore (cr);
}

/* The cell of grid coordinate a[i] along one axis: from the midpoint with its
 * lower neighbour to the midpoint with its upper one (mirrored at the ends). */
static void
cell_bounds (const float *a, int n, int i, double *lo, double *hi)
{
  double left = i > 0 ? (a[i - 1] + a[i]) / 2 : a[i] - (a[1] - a[0]) / 2;
  double right = i + 1 < n ? (a[i] + a[i + 1]) / 2 : a[i] + (a[n - 1] - a[n - 2]) / 2;
  *lo = left;
  *hi = right;
}

static void
paint_manifold (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbPalette *pal)
{
  /* The images tile the plane: each fills the cell around its z, so with
   * Gaussian quantiles the cells grow towards the tails, as the density falls. */
  const GbManifold *m = s->manifold;
  int n = m->n, D = m->rows * m->cols;
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++)
      {
        double x0, x1, y0, y1, sx0, sy0, sx1, sy1;
        cell_bounds (m->ax, n, i, &x0, &x1);
        cell_bounds (m->ay, n, j, &y0, &y1);
        gb_viewport_to_screen (&s->vp, w, h, x0, y1, &sx0, &sy0);
        gb_viewport_to_screen (&s->vp, w, h, x1, y0, &sx1, &sy1);
        if (sx1 < 0 || sx0 > w || sy1 < 0 || sy0 > h)
          continue;
        double gap = MIN (sx1 - sx0, sy1 - sy0) > 12 ? 1.0 : 0.0;
        gb_paint_image (cr, sx0, sy0, sx1 - sx0 - gap, sy1 - sy0 - gap,
                        m->images + (gsize) (j * n + i) * D, m->rows, m->cols, pal);
      }
}

static GbRgb kl_colour (double t);
static void paint_aggregate (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbPalette *pal);

static void
paint_scatter (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbPalette *pal)
{
  double r = CLAMP (s->vp.scale / 120.0, 1.3, 3.0);
  double alpha = s->manifold ? 0.55 : 0.7;
  if (s->point_kl != NULL)
    {
      /* By KL, in eight bands (one fill each), hidden classes still hidden. */
      for (int b = 0; b < 8; b++)
        {
          for (guint32 i = 0; i < s->n_points; i++)
            {
              int band = MIN (7, (int) (8 * s->point_kl[i] / MAX (s->kl_max, 1e-9)));
              if (band != b || (s->labels[i] < 32 && (s->hidden_classes & (1u << s->labels[i]))))
                continue;
              double sx, sy;
              gb_viewport_to_screen (&s->vp, w, h, s->mu[2 * i], s->mu[2 * i + 1], &sx, &sy);
              if (sx < -r || sx > w + r || sy < -r || sy > h + r)
                continue;
              cairo_rectangle (cr, sx - r, sy - r, 2 * r, 2 * r);
            }
          GbRgb c = kl_colour ((b + 0.5) / 8);
          gb_set_rgba (cr, &c, 0.8);
          cairo_fill (cr);
        }
      return;
    }
  for (int k = 0; k < s->n_classes; k++)
    {
      if (s->hidden_classes & (1u << k))
        continue;
      for (guint32 i = 0; i < s->n_points; i++)
        {
          if (s->labels[i] != k)
            continue;
          double sx, sy;
          gb_viewport_to_screen (&s->vp, w, h, s->mu[2 * i], s->mu[2 * i + 1], &sx, &sy);
          if (sx < -r || sx > w + r || sy < -r || sy > h + r)
            continue;
          cairo_rectangle (cr, sx - r, sy - r, 2 * r, 2 * r);
        }
      GbRgb c = gb_palette_class (pal, k);
      gb_set_rgba (cr, &c, alpha);
      cairo_fill (cr);
    }
}

static void
paint_legend (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbPalette *pal)
{
  double x, y, lw, lh;
  legend_rect (w, h, s, &x, &y, &lw, &lh);
  gb_set_rgba (cr, &pal->panel, 0.92);
  cairo_rectangle (cr, x, y, lw, lh);
  cairo_fill_preserve (cr);
  gb_set_rgb (cr, &pal->grid);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  for (int k = 0; k < s->n_classes; k++)
    {
      double ry = y + LEGEND_PAD + k * LEGEND_ROW;
      gboolean hidden = (s->hidden_classes & (1u << k)) != 0;
      GbRgb c = gb_palette_class (pal, k);
      cairo_rectangle (cr, x + 10, ry + 5, 10, 10);
      if (hidden)
        {
          gb_set_rgb (cr, &c);
          cairo_set_line_width (cr, 1.5);
          cairo_stroke (cr);
        }
      else
        {
          gb_set_rgb (cr, &c);
          cairo_fill (cr);
        }
      const char *name = s->class_names ? s->class_names[k] : "?";
      double tw = gb_paint_text (cr, x + 28, ry + 2, name, 12, hidden ? &pal->muted : &pal->fg,
                                 GB_ALIGN_LEFT, FALSE);
      if (hidden)
        {
          gb_set_rgb (cr, &pal->muted);
          cairo_move_to (cr, x + 28, ry + 10.5);
          cairo_line_to (cr, x + 28 + tw, ry + 10.5);
          cairo_set_line_width (cr, 1);
          cairo_stroke (cr);
        }
    }
}

/* The KL colouring's key, at the bottom left. */
static void
paint_kl_key (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbPalette *pal)
{
  double x = 46, y = h - 74, bw = 180, bh = 12;
  gb_set_rgba (cr, &pal->panel, 0.92);
  cairo_rectangle (cr, x - 8, y - 24, bw + 16, 64);
  cairo_fill (cr);
  gb_paint_text (cr, x, y - 20, "KL(q(z|x) ‖ p(z)), nats", 11, &pal->fg, GB_ALIGN_LEFT, TRUE);
  for (int b = 0; b < 8; b++)
    {
      GbRgb c = kl_colour ((b + 0.5) / 8);
      gb_set_rgb (cr, &c);
      cairo_rectangle (cr, x + b * bw / 8, y, bw / 8 + 0.5, bh);
      cairo_fill (cr);
    }
  char buf[32];
  gb_paint_text (cr, x, y + bh + 2, "0", 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
  snprintf (buf, sizeof buf, "%.1f+", s->kl_max);
  gb_paint_text (cr, x + bw, y + bh + 2, buf, 11, &pal->muted, GB_ALIGN_RIGHT, FALSE);
}

void
gb_latent_paint_base (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbPalette *pal)
{
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_clip (cr);
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  paint_axes (cr, w, h, &s->vp, s->axis_names, pal);
  if (s->manifold != NULL)
    paint_manifold (cr, w, h, s, pal);
  if (s->aggregate != NULL)
    paint_aggregate (cr, w, h, s, pal);
  paint_prior_rings (cr, w, h, &s->vp, pal);
  if (s->mu != NULL)
    {
      paint_scatter (cr, w, h, s, pal);
      paint_legend (cr, w, h, s, pal);
      if (s->point_kl != NULL)
        paint_kl_key (cr, w, h, s, pal);
    }
  char buf[200];
  const char *banner = banner_text (s, buf, sizeof buf);
  if (banner != NULL)
    {
      gb_set_rgba (cr, &pal->panel, 0.95);
      cairo_rectangle (cr, 0, 0, w, 34);
      cairo_fill (cr);
      gb_paint_text (cr, 12, 9, banner, 13, &pal->fg, GB_ALIGN_LEFT, FALSE);
    }
  cairo_restore (cr);
}

static void
paint_cross (cairo_t *cr, double x, double y, double r)
{
  cairo_move_to (cr, x - r, y - r);
  cairo_line_to (cr, x + r, y + r);
  cairo_move_to (cr, x - r, y + r);
  cairo_line_to (cr, x + r, y - r);
}

/* Premultiplied ARGB pixels (ny rows of nx, row j at the j-th cell up the plane) stretched smoothly
 * over the rectangle box (x0, x1, y0, y1) of the plane. */
static void
paint_plane_image (cairo_t *cr, int w, int h, const GbViewport *vp, const double box[4], const guint32 *argb, int nx,
                   int ny)
{
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, nx, ny);
  if (cairo_surface_status (img) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (img);
      return;
    }
  cairo_surface_flush (img);
  guint8 *data = cairo_image_surface_get_data (img);
  int stride = cairo_image_surface_get_stride (img);
  for (int j = 0; j < ny; j++)   /* rows go up the plane; the image's rows go down the screen */
    memcpy (data + (gsize) (ny - 1 - j) * stride, argb + (gsize) j * nx, (gsize) nx * 4);
  cairo_surface_mark_dirty (img);
  double x0, y0, x1, y1;
  gb_viewport_to_screen (vp, w, h, box[0], box[3], &x0, &y0);
  gb_viewport_to_screen (vp, w, h, box[1], box[2], &x1, &y1);
  cairo_save (cr);
  cairo_translate (cr, x0, y0);
  cairo_scale (cr, (x1 - x0) / nx, (y1 - y0) / ny);
  cairo_set_source_surface (cr, img, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
  cairo_rectangle (cr, 0, 0, nx, ny);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_surface_destroy (img);
}

static guint32
premultiplied (const GbRgb *c, double a)
{
  guint32 A = (guint32) (CLAMP (a, 0.0, 1.0) * 255 + 0.5);
  return A << 24 | (guint32) (c->r * A + 0.5) << 16 | (guint32) (c->g * A + 0.5) << 8 | (guint32) (c->b * A + 0.5);
}

/* p(z|x) over its grid as a heat map of the second accent, opaque at the peak and fading out over
 * 12 nats (a log scale: the shape of the tails shows). */
static void
paint_posterior (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbPalette *pal)
{
  const GbPosteriorGrid *g = s->posterior;
  int n = g->n;
  g_autofree guint32 *px = g_new (guint32, (gsize) n * n);
  for (gsize k = 0; k < (gsize) n * n; k++)
    px[k] = premultiplied (&pal->accent2, 0.85 * CLAMP (1.0 + (g->log_joint[k] - g->max) / 12.0, 0.0, 1.0));
  const double box[4] = { g->x0, g->x1, g->y0, g->y1 };
  paint_plane_image (cr, w, h, &s->vp, box, px, n, n);
}

/* log q(z)/p(z): blue where the codes crowd (up to +6 nats), red where the prior has mass the codes do
 * not reach (down to −6, and where none reaches at all), fading where the prior has little. */
static void
paint_aggregate (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbPalette *pal)
{
  static const GbRgb red = { 0.84, 0.19, 0.15 };
  gsize n = (gsize) s->agg_nx * s->agg_ny;
  g_autofree guint32 *px = g_new (guint32, n);
  double dx = (s->agg_box[1] - s->agg_box[0]) / s->agg_nx, dy = (s->agg_box[3] - s->agg_box[2]) / s->agg_ny;
  for (gsize k = 0; k < n; k++)
    {
      double r = s->aggregate[k];
      /* The holes matter where the prior has mass: red fades with p(z)^¼ (to a third at |z| = 3). */
      double z0 = s->agg_box[0] + (k % s->agg_nx + 0.5) * dx, z1 = s->agg_box[2] + (k / s->agg_nx + 0.5) * dy;
      double fade = exp (-(z0 * z0 + z1 * z1) / 8.0);
      px[k] = r >= 0 ? premultiplied (&pal->accent2, 0.5 * MIN (r, 6.0) / 6.0)
                     : premultiplied (&red, 0.6 * fade * MIN (-r, 6.0) / 6.0);
    }
  paint_plane_image (cr, w, h, &s->vp, s->agg_box, px, s->agg_nx, s->agg_ny);
}

/* Low KL light, high KL dark: yellow, orange-red, deep purple. */
static GbRgb
kl_colour (double t)
{
  static const GbRgb stops[3] = { { 0.98, 0.84, 0.16 }, { 0.89, 0.29, 0.20 }, { 0.29, 0.04, 0.36 } };
  t = CLAMP (t, 0.0, 1.0) * 2.0;
  int i = MIN ((int) t, 1);
  double f = t - i;
  GbRgb c = { stops[i].r + f * (stops[i + 1].r - stops[i].r), stops[i].g + f * (stops[i + 1].g - stops[i].g),
              stops[i].b + f * (stops[i + 1].b - stops[i].b) };
  return c;
}

void
gb_latent_paint_overlay (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbPalette *pal)
{
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_clip (cr);
  const GbViewport *vp = &s->vp;
  double sx, sy;

  /* Prior samples. */
  if (s->samples_z != NULL)
    {
      cairo_set_line_width (cr, 2.0);
      for (int i = 0; i < s->n_samples; i++)
        {
          gb_viewport_to_screen (vp, w, h, s->samples_z[2 * i], s->samples_z[2 * i + 1], &sx, &sy);
          paint_cross (cr, sx, sy, 5);
        }
      gb_set_rgb (cr, &pal->bg);
      cairo_set_line_width (cr, 4.0);
      cairo_stroke_preserve (cr);
      gb_set_rgb (cr, &pal->accent2);
      cairo_set_line_width (cr, 2.0);
      cairo_stroke (cr);
    }

  /* Interpolation: the path and its K points. */
  if (s->has_pair)
    {
      double ax, ay, bx, by;
      gb_viewport_to_screen (vp, w, h, s->pair_a[0], s->pair_a[1], &ax, &ay);
      gb_viewport_to_screen (vp, w, h, s->pair_b[0], s->pair_b[1], &bx, &by);
      cairo_move_to (cr, ax, ay);
      cairo_line_to (cr, bx, by);
      gb_set_rgb (cr, &pal->bg);
      cairo_set_line_width (cr, 5);
      cairo_stroke_preserve (cr);
      gb_set_rgb (cr, &pal->accent2);
      cairo_set_line_width (cr, 2.5);
      cairo_stroke (cr);
      for (int k = 0; k < s->interp_k; k++)
        {
          double t = s->interp_k > 1 ? (double) k / (s->interp_k - 1) : 0;
          cairo_new_sub_path (cr);
          cairo_arc (cr, ax + t * (bx - ax), ay + t * (by - ay), k == 0 || k == s->interp_k - 1 ? 6 : 3.5, 0, 2 * G_PI);
        }
      gb_set_rgb (cr, &pal->accent2);
      cairo_fill_preserve (cr);
      gb_set_rgb (cr, &pal->bg);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }

  if (s->posterior != NULL)
    paint_posterior (cr, w, h, s, pal);

  /* The selected point: μ and its 1σ and 2σ posterior ellipses. */
  if (s->has_selection)
    {
      gb_viewport_to_screen (vp, w, h, s->sel_mu[0], s->sel_mu[1], &sx, &sy);
      for (int k = 2; k >= 1; k--)
        {
          cairo_save (cr);
          cairo_translate (cr, sx, sy);
          cairo_scale (cr, MAX (k * s->sel_sigma[0] * vp->scale, 0.5), MAX (k * s->sel_sigma[1] * vp->scale, 0.5));
          cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
          cairo_restore (cr);
          gb_set_rgba (cr, &pal->accent, k == 1 ? 0.25 : 0.12);
          cairo_fill_preserve (cr);
          gb_set_rgb (cr, &pal->accent);
          cairo_set_line_width (cr, k == 1 ? 2.0 : 1.2);
          cairo_stroke (cr);
        }
      cairo_arc (cr, sx, sy, 4.5, 0, 2 * G_PI);
      gb_set_rgb (cr, &pal->accent);
      cairo_fill_preserve (cr);
      gb_set_rgb (cr, &pal->bg);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
      gb_paint_text (cr, sx + 2 * s->sel_sigma[0] * vp->scale + 4, sy - 8, "2σ", 11, &pal->accent, GB_ALIGN_LEFT, TRUE);
    }

  /* q optimised for this image alone: its 1σ and 2σ ellipses, dashed. */
  if (s->has_q_opt)
    {
      gb_viewport_to_screen (vp, w, h, s->q_opt_mu[0], s->q_opt_mu[1], &sx, &sy);
      const double dash[] = { 5.0, 3.0 };
      for (int k = 2; k >= 1; k--)
        {
          cairo_save (cr);
          cairo_translate (cr, sx, sy);
          cairo_scale (cr, MAX (k * s->q_opt_sigma[0] * vp->scale, 0.5), MAX (k * s->q_opt_sigma[1] * vp->scale, 0.5));
          cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
          cairo_restore (cr);
          cairo_set_dash (cr, dash, 2, 0);
          gb_set_rgb (cr, &pal->bg);
          cairo_set_line_width (cr, 3.5);
          cairo_stroke_preserve (cr);
          gb_set_rgb (cr, &pal->accent2);
          cairo_set_line_width (cr, k == 1 ? 2.0 : 1.2);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0);
        }
      gb_paint_text (cr, sx + 2 * s->q_opt_sigma[0] * vp->scale + 4, sy + 4, "q*", 12, &pal->accent2, GB_ALIGN_LEFT,
                     TRUE);
    }

  /* The pointer: a crosshair and its z. */
  if (s->has_pointer)
    {
      gb_viewport_to_screen (vp, w, h, s->pointer[0], s->pointer[1], &sx, &sy);
      cairo_set_line_width (cr, 1.5);
      gb_set_rgb (cr, &pal->accent);
      cairo_move_to (cr, sx - 12, sy);
      cairo_line_to (cr, sx - 4, sy);
      cairo_move_to (cr, sx + 4, sy);
      cairo_line_to (cr, sx + 12, sy);
      cairo_move_to (cr, sx, sy - 12);
      cairo_line_to (cr, sx, sy - 4);
      cairo_move_to (cr, sx, sy + 4);
      cairo_line_to (cr, sx, sy + 12);
      cairo_stroke (cr);
      char buf[64];
      snprintf (buf, sizeof buf, "z = (%.2f, %.2f)", s->pointer[0], s->pointer[1]);
      double tw = gb_text_width (cr, buf, 12, TRUE);
      double tx = sx + 14 + tw + 8 > w ? sx - 14 - tw - 8 : sx + 14;
      gb_set_rgba (cr, &pal->panel, 0.9);
      cairo_rectangle (cr, tx - 4, sy + 8, tw + 8, 20);
      cairo_fill (cr);
      gb_paint_text (cr, tx, sy + 10, buf, 12, &pal->fg, GB_ALIGN_LEFT, TRUE);
    }
  cairo_restore (cr);
}

void
gb_latent_paint (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbPalette *pal)
{
  gb_latent_paint_base (cr, w, h, s, pal);
  gb_latent_paint_overlay (cr, w, h, s, pal);
}

/* --- the info panel --- */

#define PAD 14.0

static double
heading (cairo_t *cr, double y, int w, const char *text, const GbPalette *pal)
{
  gb_paint_text (cr, PAD, y, text, 13, &pal->fg, GB_ALIGN_LEFT, TRUE);
  return y + 22;
}

static double
strip (cairo_t *cr, double y, int w, const float *images, int count, int rows, int cols,
       const GbPalette *pal, const GbRgb *frame)
{
  if (count <= 0)
    return y;
  double avail = w - 2 * PAD;
  int per_row = MAX (1, (int) MIN (count, floor ((avail + 4) / 40.0)));
  double side = MIN (64.0, (avail - (per_row - 1) * 4.0) / per_row);
  int n_rows = (count + per_row - 1) / per_row;
  for (int i = 0; i < count; i++)
    {
      double x = PAD + (i % per_row) * (side + 4), yy = y + (i / per_row) * (side + 4);
      gb_paint_image (cr, x, yy, side, side, images + (gsize) i * rows * cols, rows, cols, pal);
      if (frame != NULL)
        {
          gb_set_rgb (cr, frame);
          cairo_set_line_width (cr, 1);
          cairo_rectangle (cr, x - 0.5, yy - 0.5, side + 1, side + 1);
          cairo_stroke (cr);
        }
    }
  return y + n_rows * (side + 4) + 8;
}

/* Paints the panel when cr is not NULL; returns the height used either way. */
static double
info_layout (cairo_t *cr, int w, const GbLatentInfo *info, const GbPalette *pal)
{
  char buf[256];
  double y = PAD;
  int rows = info->rows, cols = info->cols;
  gboolean draw = cr != NULL;

  if (info->model_line != NULL)
    {
      g_auto (GStrv) lines = g_strsplit (info->model_line, "\n", -1);
      for (int i = 0; lines[i] != NULL; i++)
        {
          if (draw)
            gb_paint_text (cr, PAD, y, lines[i], 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
          y += 16;
        }
      y += 8;
    }

  if (draw)
    y = heading (cr, y, w, _("Decoded at the pointer"), pal);
  else
    y += 22;
  double side = MIN (w - 2 * PAD, 224.0);
  if (draw)
    {
      if (info->has_preview)
        gb_paint_image (cr, PAD, y, side, side, info->preview, rows, cols, pal);
      else
        {
          gb_set_rgb (cr, &pal->grid);
          cairo_rectangle (cr, PAD, y, side, side);
          cairo_fill (cr);
          gb_paint_text (cr, PAD + side / 2, y + side / 2 - 8, _("move over the plane"), 12, &pal->muted, GB_ALIGN_CENTER, FALSE);
        }
      if (info->has_preview)
        {
          snprintf (buf, sizeof buf, "z = (%.3f, %.3f)", info->preview_z[0], info->preview_z[1]);
          gb_paint_text (cr, PAD, y + side + 4, buf, 12, &pal->fg, GB_ALIGN_LEFT, FALSE);
        }
    }
  y += side + 28;

  if (!info->has_selection && info->interp_k == 0 && info->n_samples == 0)
    {
      static const char *const hints[] = {
        N_("Click a point to select it."),
        N_("Shift-click a second point to interpolate."),
        N_("Scroll to zoom; middle-drag or Space-drag to pan."),
        N_("Click a legend entry (or press 1…0) to hide a class."),
      };
      for (gsize i = 0; i < G_N_ELEMENTS (hints); i++)
        {
          if (draw)
            gb_paint_text (cr, PAD, y, _(hints[i]), 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
          y += 16;
        }
      y += 8;
    }

  if (info->has_selection)
    {
      if (draw)
        {
          snprintf (buf, sizeof buf, _("Test image #%u · %s"), info->sel_index, info->sel_class ? info->sel_class : "");
          heading (cr, y, w, buf, pal);
        }
      y += 22;
      double s2 = MIN ((w - 2 * PAD - 10) / 2, 112.0);
      if (draw)
        {
          gb_paint_image_u8 (cr, PAD, y, s2, s2, info->sel_original, rows, cols, pal);
          gb_paint_image (cr, PAD + s2 + 10, y, s2, s2, info->sel_recon, rows, cols, pal);
          gb_paint_text (cr, PAD + s2 / 2, y + s2 + 2, _("original x"), 11, &pal->muted, GB_ALIGN_CENTER, FALSE);
          gb_paint_text (cr, PAD + s2 * 1.5 + 10, y + s2 + 2, _("reconstruction"), 11, &pal->muted, GB_ALIGN_CENTER, FALSE);
        }
      y += s2 + 22;
      double sx = exp (0.5 * info->logvar[0]), sy = exp (0.5 * info->logvar[1]);
      char l[6][160];
      int n_lines = 6;
      if (info->n_latent > 2)
        {
          /* A larger latent space: q on the plane, and the whole z's numbers only in sum. */
          snprintf (l[0], sizeof l[0], _("q(z|x) = N(μ, diag σ²) in %d dimensions"), info->n_latent);
          snprintf (l[1], sizeof l[1], _("on the plane: μ at (%.3f, %.3f)"), info->slice_mu[0], info->slice_mu[1]);
          snprintf (l[2], sizeof l[2], _("   σ along its axes (%.3f, %.3f)"), info->slice_sigma[0], info->slice_sigma[1]);
          snprintf (l[3], sizeof l[3], "z = μ + σ ⊙ ε,  ε ~ N(0, I)");
          snprintf (l[4], sizeof l[4], _("reconstruction %.1f nats · KL %.2f nats"), info->bce, info->kl);
          n_lines = 5;
        }
      else
        {
          snprintf (l[0], sizeof l[0], "q(z|x) = N(μ, diag σ²)");
          snprintf (l[1], sizeof l[1], "μ = (%.3f, %.3f)   σ = (%.3f, %.3f)", info->mu[0], info->mu[1], sx, sy);
          snprintf (l[2], sizeof l[2], "z = μ + σ ⊙ ε,  ε = (%.2f, %.2f) ~ N(0, I)", info->eps[0], info->eps[1]);
          snprintf (l[3], sizeof l[3], "   = (%.3f + %.3f·%.2f, %.3f + %.3f·%.2f)", info->mu[0], sx, info->eps[0],
                    info->mu[1], sy, info->eps[1]);
          snprintf (l[4], sizeof l[4], "   = (%.3f, %.3f)", info->z[0], info->z[1]);
          snprintf (l[5], sizeof l[5], _("reconstruction %.1f nats · KL %.2f nats"), info->bce, info->kl);
        }
      for (int i = 0; i < n_lines; i++)
        {
          gboolean last = i == n_lines - 1;
          if (draw)
            gb_paint_text (cr, PAD, y, l[i], last ? 12 : 11, last ? &pal->accent : &pal->fg, GB_ALIGN_LEFT, last);
          y += 17;
        }
      y += 10;
      /* Traversals: one coordinate varied, the other held at μ. */
      for (int c = 0; c < 2 && info->traverse != NULL; c++)
        {
          if (info->n_latent > 2)
            snprintf (buf, sizeof buf, _("Along %s, %.0f to %.0f"),
                      info->traverse_names[c] ? info->traverse_names[c] : _("the axis"), info->traverse_lo,
                      info->traverse_hi);
          else
            snprintf (buf, sizeof buf, _("Vary z%s from %.1f to %.1f, z%s = %.2f"), c == 0 ? "₁" : "₂", info->traverse_lo,
                      info->traverse_hi, c == 0 ? "₂" : "₁", info->mu[1 - c]);
          if (draw)
            gb_paint_text (cr, PAD, y, buf, 11, &pal->fg, GB_ALIGN_LEFT, TRUE);
          y += 17;
          const float *imgs = info->traverse + (gsize) c * info->traverse_k * rows * cols;
          double avail = w - 2 * PAD, s = MIN (40.0, (avail - (info->traverse_k - 1) * 2.0) / info->traverse_k);
          if (draw)
            for (int k = 0; k < info->traverse_k; k++)
              gb_paint_image (cr, PAD + k * (s + 2), y, s, s, imgs + (gsize) k * rows * cols, rows, cols, pal);
          y += s + 8;
        }
      y += info->traverse != NULL ? 6 : 0;
    }

  if (info->interp_k > 0 && info->interp != NULL)
    {
      snprintf (buf, sizeof buf, _("Interpolation, %d steps"), info->interp_k);
      if (draw)
        heading (cr, y, w, buf, pal);
      y += 22;
      if (draw)
        y = strip (cr, y, w, info->interp, info->interp_k, rows, cols, pal, &pal->accent2);
      else
        {
          double avail = w - 2 * PAD;
          int per_row = MAX (1, (int) MIN (info->interp_k, floor ((avail + 4) / 40.0)));
          double s = MIN (64.0, (avail - (per_row - 1) * 4.0) / per_row);
          y += ((info->interp_k + per_row - 1) / per_row) * (s + 4) + 8;
        }
    }

  if (info->n_samples > 0 && info->samples != NULL)
    {
      snprintf (buf, sizeof buf, _("%d samples from the prior N(0, I)"), info->n_samples);
      if (draw)
        heading (cr, y, w, buf, pal);
      y += 22;
      if (draw)
        y = strip (cr, y, w, info->samples, info->n_samples, rows, cols, pal, NULL);
      else
        {
          double avail = w - 2 * PAD;
          int per_row = MAX (1, (int) MIN (info->n_samples, floor ((avail + 4) / 40.0)));
          double s = MIN (64.0, (avail - (per_row - 1) * 4.0) / per_row);
          y += ((info->n_samples + per_row - 1) / per_row) * (s + 4) + 8;
        }
    }
  return y;
}

int
gb_latent_info_height (int w, const GbLatentInfo *info)
{
  return (int) ceil (info_layout (NULL, w, info, NULL));
}

void
gb_latent_info_paint (cairo_t *cr, int w, int h, const GbLatentInfo *info, const GbPalette *pal)
{
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_clip (cr);
  gb_set_rgb (cr, &pal->panel);
  cairo_paint (cr);
  info_layout (cr, w, info, pal);
  cairo_restore (cr);
}

void
gb_latent_export_paint (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbLatentInfo *info,
                        const GbPalette *pal)
{
  int info_w = info ? MIN (340, w / 3) : 0;
  gb_latent_paint (cr, w - info_w, h, s, pal);
  if (info != NULL)
    {
      cairo_save (cr);
      cairo_translate (cr, w - info_w, 0);
      gb_latent_info_paint (cr, info_w, h, info, pal);
      cairo_restore (cr);
    }
}

char *
gb_latent_info_text (const GbLatentInfo *info)
{
  GString *s = g_string_new (NULL);
  if (info->model_line != NULL)
    g_string_append_printf (s, "%s. ", info->model_line);
  if (info->has_preview)
    g_string_append_printf (s, _("Pointer at z = (%.3f, %.3f). "), info->preview_z[0], info->preview_z[1]);
  if (info->has_selection)
    {
      g_string_append_printf (s, _("Selected test image %u, %s. "), info->sel_index, info->sel_class ? info->sel_class : "");
      if (info->n_latent > 2)
        g_string_append_printf (s, _("q(z|x) in %d dimensions; on the plane μ at (%.3f, %.3f), σ along its axes "
                                  "(%.3f, %.3f). "), info->n_latent, info->slice_mu[0], info->slice_mu[1],
                                info->slice_sigma[0], info->slice_sigma[1]);
      else
        g_string_append_printf (s, "μ = (%.3f, %.3f), σ = (%.3f, %.3f), ε = (%.2f, %.2f), z = (%.3f, %.3f). ",
                                info->mu[0], info->mu[1], exp (0.5 * info->logvar[0]), exp (0.5 * info->logvar[1]),
                                info->eps[0], info->eps[1], info->z[0], info->z[1]);
      g_string_append_printf (s, _("Reconstruction %.1f nats, KL %.2f nats, −ELBO %.1f nats."), info->bce, info->kl,
                              info->bce + info->kl);
    }
  else
    g_string_append (s, _("No image selected: Enter on the plane selects the nearest."));
  return g_string_free (s, FALSE);
}

GbTable *
gb_latent_info_table (const GbLatentInfo *info)
{
  if (!info->has_selection)
    return NULL;
  g_autofree char *title = g_strdup_printf (_("Test image %u (%s)"), info->sel_index, info->sel_class ? info->sel_class : "");
  GbTable *t = gb_table_new (title);
  double index = info->sel_index;
  gb_table_add_column (t, "image", &index, 1);
  gboolean plane = info->n_latent <= 2;
  const double *mu = plane ? info->mu : info->slice_mu;
  double sigma[2] = { plane ? exp (0.5 * info->logvar[0]) : info->slice_sigma[0],
                      plane ? exp (0.5 * info->logvar[1]) : info->slice_sigma[1] };
  gb_table_add_column (t, "mu1", &mu[0], 1);
  gb_table_add_column (t, "mu2", &mu[1], 1);
  gb_table_add_column (t, "sigma1", &sigma[0], 1);
  gb_table_add_column (t, "sigma2", &sigma[1], 1);
  if (plane)
    {
      gb_table_add_column (t, "eps1", &info->eps[0], 1);
      gb_table_add_column (t, "eps2", &info->eps[1], 1);
      gb_table_add_column (t, "z1", &info->z[0], 1);
      gb_table_add_column (t, "z2", &info->z[1], 1);
    }
  double elbo = -(info->bce + info->kl);
  gb_table_add_column (t, "reconstruction (BCE, nats)", &info->bce, 1);
  gb_table_add_column (t, "KL (nats)", &info->kl, 1);
  gb_table_add_column (t, "ELBO (nats)", &elbo, 1);
  return t;
}
