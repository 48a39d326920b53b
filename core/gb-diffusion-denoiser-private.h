/* gb-diffusion-denoiser-private.h — what the denoiser's files share, and nothing else sees. */
#pragma once

#include "gb-diffusion-denoiser.h"

G_BEGIN_DECLS

#define E GB_DENOISER_EMBED
#define ARCH "time-in-every-layer"
#define ARCH_GAUSS "gaussian+whitened-mlp"

/* An MLP denoiser's block of parameters, unset (gb-diffusion-denoiser.c). */
GbDenoiser *gb_denoiser_alloc_net (int d, int hidden, GbScheduleKind schedule, int T, GError **error);
/* A denoiser around a U-Net (taken). */
GbDenoiser *gb_denoiser_wrap_unet (GbUnet *u, GbScheduleKind schedule, int T, GError **error);
/* The fitted Gaussian's gain and whitening at t, and x_t centred and turned
 * into its eigenbasis (gb-diffusion-denoiser-gauss.c). */
void gb_denoiser_gauss_coeffs (const GbDenoiser *net, int t, float *gain, float *whiten);
void gb_denoiser_gauss_centre (const GbDenoiser *net, const float *xt, int n, int t, const int *ts, float *xc);

G_END_DECLS
