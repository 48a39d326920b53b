/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-export.c — PNG, SVG and PDF output through one painter call. */
#include "gb-export.h"
#include <glib/gi18n.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "gb-error.h"
#include "gb-file.h"

static cairo_status_t
append_cb (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
gb_export_file (const char *path, int width, int height, GbPaintFunc paint, gpointer data,
                GError **error)
{
  if (width < 16 || height < 16 || width > GB_EXPORT_MAX_SIDE || height > GB_EXPORT_MAX_SIDE)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("image size %d × %d is outside 16…%d pixels a side"), width, height, GB_EXPORT_MAX_SIDE);
      return FALSE;
    }
  g_autofree char *lower = g_ascii_strdown (path, -1);
  enum { PNG, SVG, PDF } kind;
  if (g_str_has_suffix (lower, ".png"))
    kind = PNG;
  else if (g_str_has_suffix (lower, ".svg"))
    kind = SVG;
  else if (g_str_has_suffix (lower, ".pdf"))
    kind = PDF;
  else
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("%s: unknown format (use a .png, .svg or .pdf file name)"), path);
      return FALSE;
    }
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  cairo_surface_t *surface;
  if (kind == PNG)
    surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  else if (kind == SVG)
    surface = cairo_svg_surface_create_for_stream (append_cb, bytes, width, height);
  else
    surface = cairo_pdf_surface_create_for_stream (append_cb, bytes, width, height);
  cairo_t *cr = cairo_create (surface);
  paint (cr, width, height, data);
  cairo_status_t status = cairo_status (cr);
  cairo_destroy (cr);
  if (kind == PNG && status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_write_to_png_stream (surface, append_cb, bytes);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("%s: drawing failed (%s)"), path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return gb_file_save (path, bytes->data, bytes->len, error);
}
