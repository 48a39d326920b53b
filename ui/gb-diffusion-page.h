/* gb-diffusion-page.h — the Diffusion page: the forward and reverse processes
 * of a diffusion model on 2-d point clouds and on the VAE's latent plane. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GB_TYPE_DIFFUSION_PAGE (gb_diffusion_page_get_type ())
G_DECLARE_FINAL_TYPE (GbDiffusionPage, gb_diffusion_page, GB, DIFFUSION_PAGE, GtkBox)

/* Opens a model made by `glassbox train diffusion` (its data picks the domain). */
gboolean    gb_diffusion_page_open   (GbDiffusionPage *self, const char *path, GError **error);
gboolean    gb_diffusion_page_save   (GbDiffusionPage *self, const char *path, GError **error);
/* Exports the frame on show: the cloud at t and the schedule. */
gboolean    gb_diffusion_page_export (GbDiffusionPage *self, const char *path, GError **error);
const char *gb_diffusion_page_export_name (GbDiffusionPage *self);
/* Stops training and sampling (the window is closing). */
void        gb_diffusion_page_stop   (GbDiffusionPage *self);
/* Models trained in the app and not saved (or training): closing would lose them. */
gboolean    gb_diffusion_page_has_unsaved (GbDiffusionPage *self);
/* Whether opening path would replace such a model (one of its domain). */
gboolean    gb_diffusion_page_open_replaces_unsaved (GbDiffusionPage *self, const char *path);
/* Stops training (keeping what it learnt), shows an unsaved model's domain so
 * that Save As saves it, and returns that domain's title; NULL when none. */
const char *gb_diffusion_page_show_unsaved (GbDiffusionPage *self);

G_END_DECLS
