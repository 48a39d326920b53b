/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-page.h — the Latent space page: the plane, the side panel, training.
 * The window talks to it as a GbPage (open, save, export, stop, unsaved work);
 * Ctrl+M is its action latent.toggle-manifold. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GB_TYPE_LATENT_PAGE (gb_latent_page_get_type ())
G_DECLARE_FINAL_TYPE (GbLatentPage, gb_latent_page, GB, LATENT_PAGE, GtkBox)

void     gb_latent_page_focus_plane (GbLatentPage *self);

G_END_DECLS
