/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-paint.h — what every painter shares: the palette, text and images.
 *
 * Painters are pure functions of (cairo_t, width, height, a scene struct,
 * a palette): no GTK types and no globals, so the window, the headless
 * `render` command, PNG/SVG/PDF export and the render tests all draw with the
 * same code.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double r, g, b;
} GbRgb;

#define GB_PALETTE_N_CLASSES 10

typedef struct {
  gboolean dark;
  GbRgb bg;         /* canvas background */
  GbRgb panel;      /* background of side panels and legends */
  GbRgb fg;         /* text and axes */
  GbRgb muted;      /* secondary text, ticks */
  GbRgb grid;       /* grid lines */
  GbRgb accent;     /* pointer, selection */
  GbRgb accent2;    /* second accent: interpolation, samples */
  GbRgb ink_bg;     /* image pixel 0 */
  GbRgb ink_fg;     /* image pixel 1 */
  /* Paul Tol's colour-blind-safe “muted” scheme, with grey as the tenth. */
  GbRgb classes[GB_PALETTE_N_CLASSES];
} GbPalette;

void gb_palette_init (GbPalette *pal, gboolean dark);
void gb_set_rgb      (cairo_t *cr, const GbRgb *c);
void gb_set_rgba     (cairo_t *cr, const GbRgb *c, double alpha);
GbRgb gb_palette_class (const GbPalette *pal, int k);

typedef enum {
  GB_ALIGN_LEFT,
  GB_ALIGN_CENTER,
  GB_ALIGN_RIGHT,
} GbAlign;

/* A transcript: between begin and end, the text gb_paint_text (and so
 * gb_paint_line) paints into cr is also kept, a line each, and end returns
 * it (g_free it) — what a panel of numbers shows, for a screen reader or
 * the clipboard, with no second formatting of the numbers. */
void  gb_paint_transcript_begin (cairo_t *cr);
char *gb_paint_transcript_end   (cairo_t *cr);

/* Draws UTF-8 text with Pango at (x, y) = the top of the line, aligned about
 * x; size in pixels. Returns the text's width. `bold` for headings. */
double gb_paint_text (cairo_t *cr, double x, double y, const char *text, double size,
                      const GbRgb *color, GbAlign align, gboolean bold);
/* A line of text at (8, *y) formatted like printf, 11 px (12 px and bold for
 * a heading), then *y moves down by step: the side panels' numbers. */
void   gb_paint_line (cairo_t *cr, double *y, double step, const GbRgb *color, gboolean bold, const char *format, ...)
  G_GNUC_PRINTF (6, 7);
/* The width a text would take, without drawing it. */
/* A panel's frame (w × h at x, y) with its title at the top left, 11 px bold. */
void   gb_paint_panel (cairo_t *cr, double x, double y, double w, double h, const char *title, const GbPalette *pal);
double gb_text_width (cairo_t *cr, const char *text, double size, gboolean bold);

/* Draws a grayscale image of values in [0, 1] (rows × cols) into the
 * rectangle (x, y, w, h), pixels as crisp squares, ink colours from pal. */
/* rows × cols colours (0xRRGGBB, row-major from the top) over the rectangle as one image, each cell a
 * sharp rectangle: one paint instead of a fill per cell. */
void gb_paint_cells (cairo_t *cr, double x, double y, double w, double h, const guint32 *rgb, int rows, int cols);
void gb_paint_image (cairo_t *cr, double x, double y, double w, double h,
                     const float *pixels, int rows, int cols, const GbPalette *pal);
/* Same from uint8 pixels. */
void gb_paint_image_u8 (cairo_t *cr, double x, double y, double w, double h,
                        const guint8 *pixels, int rows, int cols, const GbPalette *pal);

/* A “nice” tick step (1, 2 or 5 × 10^k) for about `target` ticks over span. */
double gb_nice_step (double span, int target);

G_END_DECLS
