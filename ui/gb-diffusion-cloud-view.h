/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-cloud-view.h — diffusion on 2-d points: the cloud at t (2 000
 * points of a toy distribution, one the user paints, or the VAE's latent
 * codes), the −ε̂ field, the trajectories of up to four chosen points, and
 * beside it the numbers of the chosen (or hovered) point — x_t, ε̂, x̂₀, and on
 * the latent plane the two decoded.
 *
 * The page owns the model and the sampling run; the view keeps its data (the
 * points and their fixed forward noise, the painted points), the selection,
 * and the cloud at the t it was last shown. */
#pragma once

#include <gtk/gtk.h>

#include "gb-diffusion-frame.h"
#include "gb-frame-stats.h"
#include "gb-paint.h"
#include "gb-vae.h"

G_BEGIN_DECLS

#define GB_TYPE_DIFFUSION_CLOUD_VIEW (gb_diffusion_cloud_view_get_type ())
G_DECLARE_FINAL_TYPE (GbDiffusionCloudView, gb_diffusion_cloud_view, GB, DIFFUSION_CLOUD_VIEW, GtkWidget)

/* The data: a toy distribution (GB_TOY_PAINTED: the points painted so far),
 * or with vae (borrowed, kept for decoding) the codes of the first test
 * images. FALSE (and the view shows no data) when there are none. */
gboolean gb_diffusion_cloud_view_set_data (GbDiffusionCloudView *self, GbToyKind kind, GbVae *vae, GError **error);
/* What to show: the forward process at t from the data, or the run's state
 * at t (run borrowed, may be NULL). net may be NULL (no model yet). */
void gb_diffusion_cloud_view_show (GbDiffusionCloudView *self, const GbDenoiser *net, GbSampleRun *run,
                                   gboolean reverse, int t);
void gb_diffusion_cloud_view_clear_selection (GbDiffusionCloudView *self);
/* The painted points (pairs), to train on. */
const float *gb_diffusion_cloud_view_get_painted (GbDiffusionCloudView *self, int *n);
void gb_diffusion_cloud_view_clear_painted (GbDiffusionCloudView *self);
void gb_diffusion_cloud_view_set_frame_stats (GbDiffusionCloudView *self, GbFrameStats *stats);
/* What the cloud canvas draws (Export draws it too). */
const GbCloudFrame *gb_diffusion_cloud_view_get_frame (GbDiffusionCloudView *self);

G_END_DECLS
