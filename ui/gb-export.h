/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-export.h — drawing a painter into a PNG, SVG or PDF file, atomically. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef void (*GbPaintFunc) (cairo_t *cr, int width, int height, gpointer data);

#define GB_EXPORT_MAX_SIDE 10000

/* The format follows the file's extension (.png, .svg, .pdf). The file is
 * written whole or not at all. */
gboolean gb_export_file (const char *path, int width, int height, GbPaintFunc paint,
                         gpointer data, GError **error);

G_END_DECLS
