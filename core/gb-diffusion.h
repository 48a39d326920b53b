/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion.h — denoising diffusion (Ho et al., 2020; Song et al., 2021):
 * noise schedules, the closed-form forward process and the DDPM and DDIM
 * samplers, over any ε-predictor.
 *
 * Timesteps run t = 1…T; index 0 of every schedule array is the clean data
 * (ᾱ_0 = 1, β_0 = 0). The forward process in closed form:
 *
 *   x_t = √ᾱ_t · x₀ + √(1 − ᾱ_t) · ε,   ε ~ N(0, I),   ᾱ_t = Π_{s≤t} (1 − β_s)
 *
 * A sampler starts from x_T ~ N(0, I) and asks the predictor for ε̂(x_t, t) at
 * each of its timesteps; it can record every step (x_t, ε̂ and the predicted
 * clean data x̂₀) so a UI scrubs the trajectory without recomputing.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define GB_DIFFUSION_MAX_T 100000

typedef enum {
  GB_SCHEDULE_LINEAR,   /* β from 1e-4 to 0.02 (Ho et al.), scaled by 1000/T for other T */
  GB_SCHEDULE_COSINE,   /* ᾱ_t ∝ cos²((t/T + 0.008)/1.008 · π/2), β clipped at 0.999 (Nichol & Dhariwal) */
} GbScheduleKind;

typedef struct {
  GbScheduleKind kind;
  int T;
  double *beta;        /* (T + 1) */
  double *alpha;       /* (T + 1) 1 − β */
  double *alpha_bar;   /* (T + 1) */
} GbSchedule;

GbSchedule *gb_schedule_new  (GbScheduleKind kind, int T, GError **error);
void        gb_schedule_free (GbSchedule *s);
const char *gb_schedule_kind_name  (GbScheduleKind kind);
gboolean    gb_schedule_kind_parse (const char *name, GbScheduleKind *kind);
/* The signal-to-noise ratio ᾱ_t / (1 − ᾱ_t) (infinite at t = 0). */
double      gb_schedule_snr  (const GbSchedule *s, int t);
/* β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t), the posterior variance of q(x_{t−1} | x_t, x₀). */
double      gb_schedule_beta_tilde (const GbSchedule *s, int t);

/* x_t (n) = √ᾱ_t x₀ + √(1 − ᾱ_t) ε, for 0 ≤ t ≤ T. */
void gb_diffusion_q_sample (const GbSchedule *s, int t, const float *x0, const float *eps, float *xt, gsize n);
/* x̂₀ (n) = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t. */
void gb_diffusion_predict_x0 (const GbSchedule *s, int t, const float *xt, const float *eps, float *x0, gsize n);

/* An ε-predictor: eps (n, d) = ε̂ (xt (n, d), t), the same t for all n. */
typedef void (*GbEpsFunc) (float *eps, const float *xt, int n, int d, int t, gpointer data);

typedef enum {
  GB_SAMPLER_DDPM,     /* ancestral: every t from T to 1 */
  GB_SAMPLER_DDIM,     /* S timesteps, η from 0 (deterministic) to 1 (DDPM-like) */
} GbSamplerKind;

typedef struct {
  GbSamplerKind kind;
  gboolean sigma_tilde;   /* DDPM: σ²_t = β̃_t instead of β_t */
  int steps;              /* DDIM: S, 1 ≤ S ≤ T */
  double eta;             /* DDIM: 0 … 1 */
  guint64 seed;
  /* Clip x̂₀ to [−1, 1] at every step and take the step from the clipped
   * prediction (Ho et al.'s sampler for images, whose data lie there). */
  gboolean clip_x0;
} GbSamplerConfig;

void        gb_sampler_config_init  (GbSamplerConfig *c);
gboolean    gb_sampler_config_check (const GbSamplerConfig *c, const GbSchedule *s, GError **error);
const char *gb_sampler_kind_name    (GbSamplerKind kind);
gboolean    gb_sampler_kind_parse   (const char *name, GbSamplerKind *kind);
/* The timesteps the sampler visits, from the first (T) down: ts (steps);
 * returns how many (T for DDPM, S for DDIM: ⌈i·T/S⌉ for i = S…1). */
int         gb_sampler_timesteps    (const GbSamplerConfig *c, const GbSchedule *s, int *ts);

/* A run's record, for scrubbing: with K = the number of timesteps,
 * xs ((K + 1), n, d): x at the start (x_T) and after each step (the last is x₀);
 * eps and x0 (K, n, d): ε̂ and x̂₀ at each step. Any may be NULL. */
typedef struct {
  float *xs, *eps, *x0;
} GbSampleRecord;

/* Samples n points of dimension d into x (n, d). When start_given is TRUE, x
 * holds x_T on entry; else x_T is drawn from the seed. progress (may be
 * NULL) is called after each step with the steps done and K. Returns FALSE
 * if cancelled or the predictor produced a value that is not finite. */
typedef void (*GbSampleProgress) (int done, int total, gpointer data);
gboolean gb_diffusion_sample (const GbSchedule *s, const GbSamplerConfig *c, GbEpsFunc eps_fn, gpointer eps_data,
                              float *x, int n, int d, gboolean start_given, GbSampleRecord *record,
                              GbSampleProgress progress, gpointer progress_data, GCancellable *cancel,
                              GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbSchedule, gb_schedule_free)

/* The timestep's embedding for a denoiser, e(t) (E): sin (t·f_k) and
 * cos (t·f_k), f_k = 10000^(−k/(E/2)). */
void gb_time_embedding (int t, int E, float *out);

G_END_DECLS
