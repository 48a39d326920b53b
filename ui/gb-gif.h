/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-gif.h — animated GIFs of a painter's frames, through giflib.
 *
 * Each frame is drawn into an image surface and mapped to one fixed palette
 * (a 6×6×6 colour cube and 40 greys: the palette's greys keep text and
 * backgrounds clean); the file loops forever and is written atomically. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef void (*GbFramePaintFunc) (cairo_t *cr, int width, int height, int frame, gpointer data);

#define GB_GIF_MAX_FRAMES 2000

gboolean gb_gif_write (const char *path, int width, int height, int n_frames, int delay_cs, GbFramePaintFunc paint,
                       gpointer data, GError **error);

G_END_DECLS
