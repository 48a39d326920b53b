/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-page-private.h — what the Diffusion page's files share. */
#pragma once

#include "gb-diffusion-page.h"
#include "gb-page.h"

#include "gb-diffusion-cloud-view.h"
#include "gb-diffusion-denoiser.h"
#include "gb-diffusion-image-view.h"
#include "gb-diffusion-job.h"
#include "gb-diffusion-run.h"
#include "gb-diffusion-timeline.h"
#include "gb-diffusion-toy2d.h"
#include "gb-frame-stats.h"
#include "gb-long-run.h"
#include "gb-vae.h"

G_BEGIN_DECLS

#define LATENT_DOMAIN GB_TOY_N_KINDS   /* the domains: the toys (painted included), latent, images */
#define IMAGE_DOMAIN (LATENT_DOMAIN + 1)
#define N_DOMAINS (IMAGE_DOMAIN + 1)
#define IMAGE_D (28 * 28)


/* A training run on its worker (GbDiffusionJob), and what the page needs of it. */
typedef struct {
  GbDiffusionJob *job;
  GCancellable *cancel;
  int domain;                   /* the model it trains */
  int steps;
} TrainJob;

/* The sampling run on show, and its task while it runs. */
typedef struct {
  GbSampleRun *run;
  GCancellable *cancel;
  gboolean finished;            /* its task has ended */
} Sampling;

struct _GbDiffusionPage {
  GtkBox parent_instance;

  /* The template's. */
  GtkDropDown *domain_drop, *sampler_drop, *schedule_drop;
  GtkSpinButton *train_steps, *T_spin, *seed, *ddim_steps, *eta, *guidance;
  GtkCheckButton *sigma_tilde, *field_check, *clip_check;
  GtkWidget *guidance_grid, *paint_toggle, *clear_paint;
  GtkButton *train_button, *sample_button;
  GtkProgressBar *progress;
  GtkLabel *model_label, *view_hint;
  GbDiffusionTimeline *timeline;
  GtkStack *views;
  GbDiffusionCloudView *cloud_view;
  GbDiffusionImageView *image_view;
  GtkDrawingArea *schedule_area, *loss_area;
  GSettings *settings;                    /* the page's settings, remembered */

  gboolean updating;                      /* controls set by the page, not the user */
  int domain;
  GbDenoiser *models[N_DOMAINS];          /* per domain, or NULL */
  gboolean unsaved[N_DOMAINS];            /* models[k] was trained here and not saved */
  char *model_path[N_DOMAINS];            /* the file models[k] was opened from or saved to, or NULL */
  GbDenoiser *net;                        /* models[domain] */
  const GbDenoiser *guidance_net;         /* the image model the guidance was last set for */
  GbVae *vae;                             /* the shipped VAE, for the latent plane */
  GbLongRun long_run;                     /* no suspend while training; a notification when done */
  TrainJob *train;
  GArray *losses;                         /* the last training's, for the plot */
  Sampling sampling;

  gboolean reverse;
  int t;                                  /* on show (the timeline's, or an exported frame's) */
  guint tick_id;                          /* following a sampler */
  GbFrameStats *stats;                    /* NULL unless GLASSBOX_FRAME_STATS */
  GPtrArray *lesson_hidden;               /* of GtkWidget: what a lesson hid */
};

static inline const GbSchedule *
gb_diffusion_page_schedule (GbDiffusionPage *self)
{
  return self->net ? self->net->schedule : NULL;
}

/* A sampler is running. */
static inline gboolean
gb_diffusion_page_sampling (GbDiffusionPage *self)
{
  return self->sampling.run != NULL && !self->sampling.finished;
}

/* The view on show at self->t; the image predictions computed at once when sync (exports). */
void gb_diffusion_page_show        (GbDiffusionPage *self, gboolean sync);
void gb_diffusion_page_update_view (GbDiffusionPage *self);

/* gb-diffusion-page-export.c */
gboolean gb_diffusion_page_export (GbPage *page, const char *path, GError **error);
GbTable *gb_diffusion_page_table  (GbPage *page, gboolean selection);

/* gb-diffusion-page-lesson.c */
gboolean gb_diffusion_page_apply_lesson (GbPage *page, const GbLesson *lesson, GError **error);
gboolean gb_diffusion_page_save_lesson  (GbPage *page, GKeyFile *kf, const char *group, const char *dir,
                                         GError **error);
void     gb_diffusion_page_end_lesson   (GbPage *page);

G_END_DECLS
