/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-inference-panel.h — what inference does for the selected test
 * image, in the Latent space page's side panel: its true posterior p(z|x)
 * (drawn on the plane by the page), log p(x) by quadrature, the ELBO of the
 * encoder's q, IWAE-K (K settable) and the gap log p(x) − ELBO; and
 * "Optimise q", which fits q to this image alone, animated, and splits the
 * gap into the approximation and amortisation gaps.
 *
 * All of it is worked out on worker threads; the panel emits "changed"
 * whenever what the plane should show (the posterior, q*) changes.
 *
 * It also holds two switches for the whole test set, which the page acts
 * on ("set-view-changed"): the aggregate posterior against the prior, and
 * the points coloured by their KL. */
#pragma once

#include <gtk/gtk.h>

#include "gb-vae-inference.h"
#include "gb-vae-trainer.h"

G_BEGIN_DECLS

#define GB_TYPE_LATENT_INFERENCE_PANEL (gb_latent_inference_panel_get_type ())
G_DECLARE_FINAL_TYPE (GbLatentInferencePanel, gb_latent_inference_panel, GB, LATENT_INFERENCE_PANEL, GtkWidget)

/* The image to work on: model (referenced), pixels (D, copied) and the
 * encoder's q (μ and log σ², L each); model NULL clears it. */
void gb_latent_inference_panel_set_image (GbLatentInferencePanel *self, GbVaeSnapshot *model, const guint8 *pixels,
                                          const float *mu, const float *logvar);
/* What the plane shows: the posterior's grid (NULL while none, or when the
 * check is off) and q optimised for the image (FALSE while none). */
const GbPosteriorGrid *gb_latent_inference_panel_get_posterior (GbLatentInferencePanel *self);
gboolean gb_latent_inference_panel_get_q_opt (GbLatentInferencePanel *self, float mu[2], float logvar[2]);
/* Off: the switches that need a 2-d latent space are insensitive, and say why. */
void     gb_latent_inference_panel_set_two_d     (GbLatentInferencePanel *self, gboolean two_d);
gboolean gb_latent_inference_panel_get_aggregate  (GbLatentInferencePanel *self);
gboolean gb_latent_inference_panel_get_kl_colour (GbLatentInferencePanel *self);
/* The true posterior's check, as a lesson sets it. */
void     gb_latent_inference_panel_set_posterior (GbLatentInferencePanel *self, gboolean on);
gboolean gb_latent_inference_panel_get_posterior_on (GbLatentInferencePanel *self);
/* The numbers as the panel shows them (for tests and the render command). */
const char *gb_latent_inference_panel_get_text (GbLatentInferencePanel *self);

G_END_DECLS
