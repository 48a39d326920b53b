/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-view.h — the latent plane as a widget.
 *
 * Draws a GbLatentScene with the latent painters, keeping the base layer
 * (grid, manifold, scatter, legend) in a cache so that pointer moves only
 * repaint the overlay. Pointer, wheel, drag and keys move the view; what
 * the user points at is reported by signals:
 *   "pointer-moved" (double zx, double zy), "pointer-left" (),
 *   "point-activated" (guint index, gboolean shift), "legend-toggled" (int k),
 *   "viewport-changed" ().
 */
#pragma once

#include <gtk/gtk.h>

#include "gb-latent-paint.h"

G_BEGIN_DECLS

/* The plane's keys, as its accessible description says them. */
#define GB_LATENT_VIEW_KEYS \
  "The encoded test images in the 2-d latent space. Arrow keys move the pointer, Enter selects the nearest " \
  "image, Shift+Enter picks a second one for interpolation, plus and minus zoom, R resets the view, the digits " \
  "1 to 0 show or hide the ten classes."

#define GB_TYPE_LATENT_VIEW (gb_latent_view_get_type ())
G_DECLARE_FINAL_TYPE (GbLatentView, gb_latent_view, GB, LATENT_VIEW, GtkWidget)

GtkWidget     *gb_latent_view_new        (void);
/* The scene the view draws; the caller fills its data and then calls
 * gb_latent_view_changed. The viewport belongs to the view. */
GbLatentScene *gb_latent_view_get_scene  (GbLatentView *self);
/* base: the data, manifold or legend changed (else only the overlay). */
void           gb_latent_view_changed    (GbLatentView *self, gboolean base);
/* Back to the home rectangle: [−3.5, 3.5]² unless set_home said otherwise. */
void           gb_latent_view_reset      (GbLatentView *self);
/* The rectangle (x0, x1, y0, y1) Reset shows, shown now; NULL: [−3.5, 3.5]². */
void           gb_latent_view_set_home   (GbLatentView *self, const double box[4]);
const GbPalette *gb_latent_view_get_palette (GbLatentView *self);

G_END_DECLS
