/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-page.h — the Diffusion page: the forward and reverse processes
 * of a diffusion model on 2-d point clouds, the VAE's latent plane and
 * Fashion-MNIST images; training and sampling. The window talks to it as a
 * GbPage. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GB_TYPE_DIFFUSION_PAGE (gb_diffusion_page_get_type ())
G_DECLARE_FINAL_TYPE (GbDiffusionPage, gb_diffusion_page, GB, DIFFUSION_PAGE, GtkBox)

G_END_DECLS
