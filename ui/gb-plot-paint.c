/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-plot-paint.c — the loss plot. */
#include "gb-plot-paint.h"
#include <glib/gi18n.h>

#include <math.h>
#include <stdio.h>

typedef enum { F_LOSS, F_BCE, F_KL } Field;

static float
field (const GbLossPoint *p, Field f)
{
  return f == F_LOSS ? p->bce + p->kl : f == F_BCE ? p->bce : p->kl;
}

typedef struct {
  double x0, y0, w, h;        /* the frame on screen */
  double xmin, xmax, ymin, ymax;
} Frame;

static double
fx (const Frame *fr, double x)
{
  return fr->x0 + (x - fr->xmin) / (fr->xmax - fr->xmin) * fr->w;
}

static double
fy (const Frame *fr, double y)
{
  double v = fr->y0 + fr->h - (y - fr->ymin) / (fr->ymax - fr->ymin) * fr->h;
  return CLAMP (v, fr->y0 - 2, fr->y0 + fr->h + 2);
}

/* The y range: from the lowest value to the highest of the later 90 % of the
 * steps (the first steps' loss is far above the rest). */
static void
y_range (const GbLossPlot *p, const Field *fields, int n_fields, double *lo, double *hi)
{
  *lo = INFINITY;
  *hi = -INFINITY;
  guint skip = p->n_train / 10;
  for (int k = 0; k < n_fields; k++)
    {
      for (guint i = 0; i < p->n_train; i++)
        {
          double v = field (&p->train[i], fields[k]);
          *lo = MIN (*lo, v);
          if (i >= skip)
            *hi = MAX (*hi, v);
        }
      for (guint i = 0; i < p->n_test; i++)
        {
          double v = field (&p->test[i], fields[k]);
          *lo = MIN (*lo, v);
          *hi = MAX (*hi, v);
        }
    }
  if (!isfinite (*lo) || !isfinite (*hi))
    *lo = 0, *hi = 1;
  double pad = MAX ((*hi - *lo) * 0.08, 0.05);
  *lo -= pad;
  *hi += pad;
}

static void
paint_frame (cairo_t *cr, const Frame *fr, const char *title, const GbPalette *pal)
{
  gb_set_rgb (cr, &pal->grid);
  cairo_set_line_width (cr, 1);
  double step = gb_nice_step (fr->ymax - fr->ymin, 4);
  char buf[32];
  for (double v = ceil (fr->ymin / step) * step; v <= fr->ymax; v += step)
    {
      double y = round (fy (fr, v)) + 0.5;
      cairo_move_to (cr, fr->x0, y);
      cairo_line_to (cr, fr->x0 + fr->w, y);
      cairo_stroke (cr);
      snprintf (buf, sizeof buf, "%g", v);
      gb_paint_text (cr, fr->x0 - 4, y - 7, buf, 10, &pal->muted, GB_ALIGN_RIGHT, FALSE);
      gb_set_rgb (cr, &pal->grid);
    }
  double xstep = gb_nice_step (fr->xmax - fr->xmin, 5);
  for (double v = ceil (fr->xmin / xstep) * xstep; v <= fr->xmax; v += xstep)
    {
      snprintf (buf, sizeof buf, "%g", v);
      gb_paint_text (cr, fx (fr, v), fr->y0 + fr->h + 2, buf, 10, &pal->muted, GB_ALIGN_CENTER, FALSE);
    }
  gb_set_rgb (cr, &pal->muted);
  cairo_rectangle (cr, fr->x0 + 0.5, fr->y0 + 0.5, fr->w - 1, fr->h - 1);
  cairo_stroke (cr);
  /* The title stays inside its frame: smaller type when the frame is narrow (the latent page's
   * loss plot beside the KL one), never into the next panel. */
  double size = 11;
  while (size > 8 && gb_text_width (cr, title, size, TRUE) > fr->w - 12)
    size -= 0.5;
  gb_paint_text (cr, fr->x0 + 6, fr->y0 + 3, title, size, &pal->fg, GB_ALIGN_LEFT, TRUE);
}

/* One min–max band per pixel column and the column means as a line. */
static void
paint_series (cairo_t *cr, const Frame *fr, const GbLossPlot *p, Field f, const GbRgb *color)
{
  if (p->n_train == 0)
    return;
  int cols = MAX (1, (int) fr->w);
  double *mn = g_new (double, cols), *mx = g_new (double, cols), *sum = g_new0 (double, cols);
  int *cnt = g_new0 (int, cols);
  for (int c = 0; c < cols; c++)
    mn[c] = INFINITY, mx[c] = -INFINITY;
  for (guint i = 0; i < p->n_train; i++)
    {
      int c = (int) ((fx (fr, p->train[i].x) - fr->x0));
      c = CLAMP (c, 0, cols - 1);
      double v = field (&p->train[i], f);
      mn[c] = MIN (mn[c], v);
      mx[c] = MAX (mx[c], v);
      sum[c] += v;
      cnt[c]++;
    }
  gb_set_rgba (cr, color, 0.25);
  cairo_set_line_width (cr, 1);
  for (int c = 0; c < cols; c++)
    if (cnt[c] > 1)
      {
        cairo_move_to (cr, fr->x0 + c + 0.5, fy (fr, mn[c]));
        cairo_line_to (cr, fr->x0 + c + 0.5, fy (fr, mx[c]));
      }
  cairo_stroke (cr);
  gboolean started = FALSE;
  for (int c = 0; c < cols; c++)
    if (cnt[c] > 0)
      {
        double y = fy (fr, sum[c] / cnt[c]);
        if (!started)
          cairo_move_to (cr, fr->x0 + c + 0.5, y);
        else
          cairo_line_to (cr, fr->x0 + c + 0.5, y);
        started = TRUE;
      }
  gb_set_rgb (cr, color);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
  g_free (mn);
  g_free (mx);
  g_free (sum);
  g_free (cnt);
}

static void
paint_test (cairo_t *cr, const Frame *fr, const GbLossPlot *p, Field f, const GbRgb *color,
            const GbPalette *pal)
{
  for (guint i = 0; i < p->n_test; i++)
    {
      double x = fx (fr, p->test[i].x * p->steps_per_epoch), y = fy (fr, field (&p->test[i], f));
      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  gb_set_rgb (cr, color);
  double dash[] = { 3, 3 };
  cairo_set_dash (cr, dash, 2, 0);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  for (guint i = 0; i < p->n_test; i++)
    {
      double x = fx (fr, p->test[i].x * p->steps_per_epoch), y = fy (fr, field (&p->test[i], f));
      cairo_rectangle (cr, x - 3.5, y - 3.5, 7, 7);
    }
  gb_set_rgb (cr, color);
  cairo_fill_preserve (cr);
  gb_set_rgb (cr, &pal->bg);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

void
gb_loss_plot_paint (cairo_t *cr, int w, int h, const GbLossPlot *p, const GbPalette *pal)
{
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_clip (cr);
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  if (p->n_train == 0)
    {
      gb_paint_text (cr, w / 2.0, h / 2.0 - 8, p->empty_text ? p->empty_text : _("No training yet"),
                     12, &pal->muted, GB_ALIGN_CENTER, FALSE);
      cairo_restore (cr);
      return;
    }
  double xmax = p->total_steps > 0 ? p->total_steps : p->train[p->n_train - 1].x;
  double left = 46, right = 10, top = 8, bottom = 34, gap = 52;
  double legend_h = 16;
  double pw = (w - left - right - gap) * 0.62, kw = (w - left - right - gap) - pw;
  Frame a = { left, top, pw, h - top - bottom - legend_h, 0, MAX (xmax, 1), 0, 1 };
  Frame b = { left + pw + gap, top, kw, h - top - bottom - legend_h, 0, MAX (xmax, 1), 0, 1 };
  Field fa[] = { F_LOSS, F_BCE }, fb[] = { F_KL };
  y_range (p, fa, 2, &a.ymin, &a.ymax);
  y_range (p, fb, 1, &b.ymin, &b.ymax);
  paint_frame (cr, &a, _("−ELBO and reconstruction, nats per image, by step"), pal);
  paint_frame (cr, &b, _("KL, nats per image"), pal);
  cairo_save (cr);
  cairo_rectangle (cr, a.x0, a.y0, a.w, a.h);
  cairo_rectangle (cr, b.x0, b.y0, b.w, b.h);
  cairo_clip (cr);
  paint_series (cr, &a, p, F_LOSS, &pal->accent2);
  paint_series (cr, &a, p, F_BCE, &pal->classes[6]);
  paint_series (cr, &b, p, F_KL, &pal->accent);
  paint_test (cr, &a, p, F_LOSS, &pal->fg, pal);
  paint_test (cr, &b, p, F_KL, &pal->fg, pal);
  cairo_restore (cr);

  /* Legend and axis name along the bottom. */
  double ly = h - legend_h - 2, lx = left;
  struct { const GbRgb *c; const char *t; gboolean box; } items[] = {
    { &pal->accent2, _("−ELBO (train, per step)"), FALSE },
    { &pal->classes[6], "reconstruction (train)", FALSE },
    { &pal->accent, "KL (train)", FALSE },
    { &pal->fg, _("test, per epoch"), TRUE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (items); i++)
    {
      gb_set_rgb (cr, items[i].c);
      if (items[i].box)
        cairo_rectangle (cr, lx, ly + 4, 7, 7);
      else
        cairo_rectangle (cr, lx, ly + 6, 14, 3);
      cairo_fill (cr);
      lx += 20 + gb_paint_text (cr, lx + 18, ly, items[i].t, 11, &pal->fg, GB_ALIGN_LEFT, FALSE) + 14;
    }
  cairo_restore (cr);
}
