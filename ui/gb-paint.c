/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-paint.c — palette, text and image helpers for the painters. */
#include "gb-paint.h"

#include <string.h>

#include <math.h>
#include <pango/pangocairo.h>

static GbRgb
hex (guint32 v)
{
  return (GbRgb) { ((v >> 16) & 0xff) / 255.0, ((v >> 8) & 0xff) / 255.0, (v & 0xff) / 255.0 };
}

void
gb_palette_init (GbPalette *pal, gboolean dark)
{
  /* Tol's muted scheme: rose, indigo, sand, green, cyan, wine, teal, olive,
   * purple, and grey. On a dark canvas the three darkest are lightened so
   * they keep their contrast. */
  static const guint32 light_classes[] = { 0xCC6677, 0x332288, 0xDDCC77, 0x117733, 0x88CCEE,
                                           0x882255, 0x44AA99, 0x999933, 0xAA4499, 0x777777 };
  static const guint32 dark_classes[] = { 0xCC6677, 0x8877DD, 0xDDCC77, 0x33AA55, 0x88CCEE,
                                          0xCC5588, 0x44AA99, 0xAAAA44, 0xCC66BB, 0xBBBBBB };
  pal->dark = dark;
  if (dark)
    {
      pal->bg = hex (0x1e1e1e);
      pal->panel = hex (0x2a2a2a);
      pal->fg = hex (0xeeeeec);
      pal->muted = hex (0x9a9996);
      pal->grid = hex (0x3a3a3a);
      pal->accent = hex (0xffa348);
      pal->accent2 = hex (0x62a0ea);
      pal->ink_bg = hex (0x000000);
      pal->ink_fg = hex (0xffffff);
    }
  else
    {
      pal->bg = hex (0xffffff);
      pal->panel = hex (0xf6f5f4);
      pal->fg = hex (0x241f31);
      pal->muted = hex (0x77767b);
      pal->grid = hex (0xe6e6e6);
      pal->accent = hex (0xe66100);
      pal->accent2 = hex (0x1a5fb4);
      pal->ink_bg = hex (0x000000);
      pal->ink_fg = hex (0xffffff);
    }
  for (int k = 0; k < GB_PALETTE_N_CLASSES; k++)
    pal->classes[k] = hex (dark ? dark_classes[k] : light_classes[k]);
}

GbRgb
gb_palette_class (const GbPalette *pal, int k)
{
  return pal->classes[((k % GB_PALETTE_N_CLASSES) + GB_PALETTE_N_CLASSES) % GB_PALETTE_N_CLASSES];
}

void
gb_set_rgb (cairo_t *cr, const GbRgb *c)
{
  cairo_set_source_rgb (cr, c->r, c->g, c->b);
}

void
gb_set_rgba (cairo_t *cr, const GbRgb *c, double alpha)
{
  cairo_set_source_rgba (cr, c->r, c->g, c->b, alpha);
}

static PangoLayout *
make_layout (cairo_t *cr, const char *text, double size, gboolean bold)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *fd = pango_font_description_from_string ("Sans");
  pango_font_description_set_absolute_size (fd, size * PANGO_SCALE);
  if (bold)
    pango_font_description_set_weight (fd, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, fd);
  pango_font_description_free (fd);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

double
gb_text_width (cairo_t *cr, const char *text, double size, gboolean bold)
{
  PangoLayout *layout = make_layout (cr, text, size, bold);
  int w, h;
  pango_layout_get_pixel_size (layout, &w, &h);
  g_object_unref (layout);
  return w;
}

/* What gb_paint_text wrote while a transcript was on (gb-paint.h). */
static const cairo_user_data_key_t transcript_key;

static void
transcript_free (void *p)
{
  g_string_free (p, TRUE);
}

double
gb_paint_text (cairo_t *cr, double x, double y, const char *text, double size,
               const GbRgb *color, GbAlign align, gboolean bold)
{
  GString *transcript = cairo_get_user_data (cr, &transcript_key);
  if (transcript != NULL)
    {
      if (transcript->len > 0)
        g_string_append_c (transcript, '\n');
      g_string_append (transcript, text);
    }
  PangoLayout *layout = make_layout (cr, text, size, bold);
  int w, h;
  pango_layout_get_pixel_size (layout, &w, &h);
  double x0 = align == GB_ALIGN_LEFT ? x : align == GB_ALIGN_CENTER ? x - w / 2.0 : x - w;
  cairo_save (cr);
  gb_set_rgb (cr, color);
  cairo_move_to (cr, x0, y);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  g_object_unref (layout);
  return w;
}

void
gb_paint_transcript_begin (cairo_t *cr)
{
  cairo_set_user_data (cr, &transcript_key, g_string_new (NULL), transcript_free);
}

char *
gb_paint_transcript_end (cairo_t *cr)
{
  GString *t = cairo_get_user_data (cr, &transcript_key);
  char *text = g_strdup (t != NULL ? t->str : "");
  cairo_set_user_data (cr, &transcript_key, NULL, NULL);
  return text;
}

/* Paints s (cols × rows pixels) over the rectangle, each pixel a sharp rectangle. */
static void
paint_scaled (cairo_t *cr, cairo_surface_t *s, double x, double y, double w, double h, int rows, int cols)
{
  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, w / cols, h / rows);
  cairo_set_source_surface (cr, s, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
}

void
gb_paint_cells (cairo_t *cr, double x, double y, double w, double h, const guint32 *rgb, int rows, int cols)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, cols, rows);
  cairo_surface_flush (s);
  guint8 *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  for (int r = 0; r < rows; r++)
    memcpy (data + (gsize) r * stride, rgb + (gsize) r * cols, (gsize) cols * 4);
  cairo_surface_mark_dirty (s);
  paint_scaled (cr, s, x, y, w, h, rows, cols);
  cairo_surface_destroy (s);
}

static void
paint_gray (cairo_t *cr, double x, double y, double w, double h, const float *fp,
            const guint8 *up, int rows, int cols, const GbPalette *pal)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, cols, rows);
  cairo_surface_flush (s);
  guint8 *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  const GbRgb *a = &pal->ink_bg, *b = &pal->ink_fg;
  for (int r = 0; r < rows; r++)
    {
      guint32 *row = (guint32 *) (data + (gsize) r * stride);
      for (int c = 0; c < cols; c++)
        {
          double v = fp ? fp[r * cols + c] : up[r * cols + c] / 255.0;
          v = v < 0 ? 0 : v > 1 ? 1 : v;
          guint32 R = (guint32) lround (255 * (a->r + (b->r - a->r) * v));
          guint32 G = (guint32) lround (255 * (a->g + (b->g - a->g) * v));
          guint32 B = (guint32) lround (255 * (a->b + (b->b - a->b) * v));
          row[c] = (R << 16) | (G << 8) | B;
        }
    }
  cairo_surface_mark_dirty (s);
  paint_scaled (cr, s, x, y, w, h, rows, cols);
  cairo_surface_destroy (s);
}

void
gb_paint_image (cairo_t *cr, double x, double y, double w, double h, const float *pixels,
                int rows, int cols, const GbPalette *pal)
{
  paint_gray (cr, x, y, w, h, pixels, NULL, rows, cols, pal);
}

void
gb_paint_image_u8 (cairo_t *cr, double x, double y, double w, double h, const guint8 *pixels,
                   int rows, int cols, const GbPalette *pal)
{
  paint_gray (cr, x, y, w, h, NULL, pixels, rows, cols, pal);
}

double
gb_nice_step (double span, int target)
{
  if (!(span > 0) || target < 1)
    return 1.0;
  double raw = span / target;
  double mag = pow (10.0, floor (log10 (raw)));
  double f = raw / mag;
  return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

void
gb_paint_line (cairo_t *cr, double *y, double step, const GbRgb *color, gboolean bold, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *text = g_strdup_vprintf (format, args);
  va_end (args);
  gb_paint_text (cr, 8, *y, text, bold ? 12 : 11, color, GB_ALIGN_LEFT, bold);
  *y += step;
}

void
gb_paint_panel (cairo_t *cr, double x, double y, double w, double h, const char *title, const GbPalette *pal)
{
  gb_set_rgb (cr, &pal->grid);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, x + 0.5, y + 0.5, w - 1, h - 1);
  cairo_stroke (cr);
  gb_paint_text (cr, x + 6, y + 4, title, 11, &pal->fg, GB_ALIGN_LEFT, TRUE);
}
