/* gb-latent-page.h — the Latent space page: the plane, the side panel, training. */
#pragma once

#include <gtk/gtk.h>

#include "gb-vae.h"

G_BEGIN_DECLS

#define GB_TYPE_LATENT_PAGE (gb_latent_page_get_type ())
G_DECLARE_FINAL_TYPE (GbLatentPage, gb_latent_page, GB, LATENT_PAGE, GtkBox)

/* Replaces the model (the page takes vae); `name` says where it came from. */
void     gb_latent_page_set_model   (GbLatentPage *self, GbVae *vae, const char *name);
gboolean gb_latent_page_open_model  (GbLatentPage *self, const char *path, GError **error);
gboolean gb_latent_page_save_model  (GbLatentPage *self, const char *path, GError **error);
gboolean gb_latent_page_export      (GbLatentPage *self, const char *path, GError **error);
gboolean gb_latent_page_is_training (GbLatentPage *self);
void     gb_latent_page_toggle_manifold (GbLatentPage *self);
void     gb_latent_page_focus_plane (GbLatentPage *self);
/* Stops a running training job (the model so far is kept). */
void     gb_latent_page_stop        (GbLatentPage *self);
/* Whether the model on show was trained in the app (or is training) and has
 * not been saved: closing or opening another model would lose it. */
gboolean gb_latent_page_has_unsaved (GbLatentPage *self);

G_END_DECLS
