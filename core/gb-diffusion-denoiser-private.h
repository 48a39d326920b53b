/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-denoiser-private.h — what the denoiser's files share, and nothing else sees. */
#pragma once

#include "gb-diffusion-denoiser.h"

G_BEGIN_DECLS

#define E GB_DENOISER_EMBED
#define ARCH "time-in-every-layer"
#define ARCH_GAUSS "gaussian+whitened-mlp"

typedef struct _GbDenoiserTrainer GbDenoiserTrainerPrivate;

/* What differs between an MLP and a U-Net, dispatched once: gb_denoiser_*
 * call net->ops, and the two tables (gb-diffusion-denoiser.c) are all that
 * knows which is which. */
typedef struct _GbDenoiserOps {
  /* ε̂ of n rows at t guided at w, each row given its class (labels) or
   * none (NULL); on both cores when parallel. */
  void        (*eps)          (float *eps, const float *xt, int n, int t, const GbDenoiser *net, float w,
                               const int *labels, gboolean parallel);
  GbDenoiser *(*copy)         (const GbDenoiser *net);   /* the network and its weights */
  void        (*pack)         (const GbDenoiser *net, gpointer packs);   /* its weights for the sampler */
  void        (*free_weights) (GbDenoiser *net);
  /* The guidance a model with a fitted Gaussian samples with by default. */
  double      gauss_guidance;
  /* gb-diffusion-denoiser-train.c: the trainer's buffers, and a step. */
  void        (*trainer_init) (GbDenoiserTrainer *tr);
  float       (*train_step)   (GbDenoiserTrainer *tr, const float *x0, const guint8 *labels);
  /* gb-diffusion-denoiser-file.c */
  gboolean    (*save)         (const GbDenoiser *net, const char *path, GError **error);
} GbDenoiserOps;

void     gb_denoiser_mlp_trainer_init  (GbDenoiserTrainer *tr);
void     gb_denoiser_unet_trainer_init (GbDenoiserTrainer *tr);
float    gb_denoiser_mlp_train_step    (GbDenoiserTrainer *tr, const float *x0, const guint8 *labels);
float    gb_denoiser_unet_train_step   (GbDenoiserTrainer *tr, const float *x0, const guint8 *labels);
gboolean gb_denoiser_mlp_save          (const GbDenoiser *net, const char *path, GError **error);
gboolean gb_denoiser_unet_save         (const GbDenoiser *net, const char *path, GError **error);

/* An MLP denoiser's block of parameters, unset (gb-diffusion-denoiser.c). */
GbDenoiser *gb_denoiser_alloc_net (int d, int hidden, GbScheduleKind schedule, int T, GError **error);
/* A denoiser around a U-Net (taken). */
GbDenoiser *gb_denoiser_wrap_unet (GbUnet *u, GbScheduleKind schedule, int T, GError **error);
/* The fitted Gaussian's gain and whitening at t, and x_t centred and turned
 * into its eigenbasis (gb-diffusion-denoiser-gauss.c). */
void gb_denoiser_gauss_coeffs (const GbDenoiser *net, int t, float *gain, float *whiten);
void gb_denoiser_gauss_centre (const GbDenoiser *net, const float *xt, int n, int t, const int *ts, float *xc);

G_END_DECLS
