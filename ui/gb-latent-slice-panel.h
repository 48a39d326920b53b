/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-slice-panel.h — which 2-d slice of a larger latent space the
 * Latent space page draws: the test set's two principal axes of μ or two
 * chosen coordinates, and the other coordinates on sliders (the test set's
 * mean to begin with). Shown only for latent spaces of more than two
 * dimensions; emits "changed" when the slice changes. */
#pragma once

#include <gtk/gtk.h>

#include "gb-vae-latent.h"

G_BEGIN_DECLS

#define GB_TYPE_LATENT_SLICE_PANEL (gb_latent_slice_panel_get_type ())
G_DECLARE_FINAL_TYPE (GbLatentSlicePanel, gb_latent_slice_panel, GB, LATENT_SLICE_PANEL, GtkWidget)

/* A model with an L-d latent space and its test codes mu (n, L) (may be NULL
 * until encoded). A new L resets the slice (principal axes through the mean;
 * coordinates 1 and 2 without codes); the same L keeps the user's choice. */
void gb_latent_slice_panel_set_codes (GbLatentSlicePanel *self, int L, const float *mu, guint32 n);
void gb_latent_slice_panel_get_slice (GbLatentSlicePanel *self, GbLatentSlice *out);

G_END_DECLS
