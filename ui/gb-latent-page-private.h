/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-page-private.h — what the Latent space page's files share (gb-latent-page.c, the page;
 * gb-latent-page-data.c, its data set; gb-latent-page-inference.c, its views of inference, the test set's
 * aggregate posterior and the slice). */
#pragma once

#include "gb-latent-page.h"
#include "gb-page.h"

#include "gb-dataset.h"
#include "gb-error.h"
#include "gb-export.h"
#include "gb-latent-aggregate.h"
#include "gb-latent-inference-panel.h"
#include "gb-latent-slice-panel.h"
#include "gb-latent-train-panel.h"
#include "gb-latent-view.h"
#include "gb-long-run.h"
#include "gb-models.h"
#include "gb-plot-paint.h"
#include "gb-settings.h"
#include "gb-vae-trainer.h"
#include "gb-vae-file.h"

G_BEGIN_DECLS

#define MAX_INTERP 32
#define TRAVERSE_K 9

struct _GbLatentPage {
  GtkBox parent_instance;

  /* Template children. */
  GbLatentView *view;
  GtkDrawingArea *info_area;
  GtkCheckButton *manifold_check;
  GtkSpinButton *manifold_size;
  GtkDropDown *manifold_mode;
  GtkButton *sample_button;
  GtkSpinButton *n_samples;
  GtkSpinButton *interp_k;
  GtkButton *clear_button;
  GtkButton *reset_button;
  GtkButton *dataset_button;
  GbLatentTrainPanel *train_panel;
  GbLatentInferencePanel *inference_panel;
  GbLatentSlicePanel *slice_panel;

  GSettings *settings;

  /* The data set (test split), or the reason there is none. */
  GbDataset *ds;
  char *data_error;
  gboolean data_loading;
  int rows, cols;

  /* The model on show. */
  GbVaeSnapshot *model;
  char *model_name;
  char *model_line;
  guint encode_generation;
  gboolean encode_pending;    /* a model waits for the data set to be encoded */
  double home[4];             /* the view's home rectangle */

  /* The whole test set's aggregate posterior and KLs, for the model installed as number aggregate_of. */
  GbAggregateMap *aggregate;
  guint model_serial, aggregate_of;
  GCancellable *aggregate_cancel;
  double kl_max;

  GbManifold *manifold;
  GbManifoldDecoder *decoder; /* the model prepared for manifolds */
  gboolean manifold_dirty;

  /* Pointer preview. */
  float *preview;             /* (D) */
  gboolean has_preview;
  double preview_z[2];

  /* Selection. */
  gboolean has_sel;
  guint32 sel;
  float sel_mu[GB_VAE_MAX_LATENT], sel_lv[GB_VAE_MAX_LATENT], sel_eps[GB_VAE_MAX_LATENT], sel_z[GB_VAE_MAX_LATENT];
  float *sel_recon;           /* (D) */
  float *sel_traverse;        /* (2·TRAVERSE_K, D): z₁, then z₂, over [−3, 3] through μ */
  GbVaeLoss sel_loss;

  /* Interpolation between two test points (−1: none). */
  gint64 pair_a, pair_b;
  float *interp;              /* (MAX_INTERP, D) */
  float interp_z[GB_VAE_MAX_LATENT * MAX_INTERP];

  /* Prior samples. */
  GbRng sample_rng;
  int n_samples_drawn;
  float samples_z[GB_VAE_MAX_LATENT * GB_LATENT_MAX_SAMPLES];   /* (n, L) */
  float samples_uv[2 * GB_LATENT_MAX_SAMPLES];                  /* in the slice */

  /* The plane: a slice of the latent space (the identity for 2-d), and the codes on it. */
  GbLatentSlice slice;
  float *proj;                /* (n, 2), or NULL */
  char axis_names[2][32];
  float *samples;             /* (GB_LATENT_MAX_SAMPLES, D) */

  gboolean disposed;

  /* Lessons: what a lesson hid, and the image it selects once the data set is there (−1: none). */
  GPtrArray *lesson_hidden;
  gint64 lesson_select;
};

/* gb-latent-page-lesson.c */
gboolean gb_latent_page_apply_lesson (GbPage *page, const GbLesson *lesson, GError **error);
gboolean gb_latent_page_save_lesson  (GbPage *page, GKeyFile *kf, const char *group, const char *dir, GError **error);
void     gb_latent_page_end_lesson   (GbPage *page);
/* Selects the image a lesson asked for, once the data set is encoded. */
void     gb_latent_page_lesson_data_ready (GbLatentPage *self);

/* gb-latent-page.c */
void gb_latent_page_message             (GbLatentPage *self, const char *message);
int  gb_latent_page_input_size          (GbLatentPage *self);
void gb_latent_page_sync_scene          (GbLatentPage *self, gboolean base);
void gb_latent_page_ensure_manifold     (GbLatentPage *self);
void gb_latent_page_recompute_selection (GbLatentPage *self);
void gb_latent_page_recompute_samples   (GbLatentPage *self);
void gb_latent_page_recompute_preview   (GbLatentPage *self);
void gb_latent_page_install_snapshot    (GbLatentPage *self, GbVaeSnapshot *snap);

/* gb-latent-page-data.c */
void gb_latent_page_start_encode        (GbLatentPage *self);
void gb_latent_page_open_dataset_action (GtkWidget *widget, const char *name, GVariant *param);

/* gb-latent-page-inference.c */
void gb_latent_page_update_inference    (GbLatentPage *self);
void gb_latent_page_sync_inference      (GbLatentPage *self);
void gb_latent_page_inference_changed_cb (GbLatentPage *self);
void gb_latent_page_update_aggregate    (GbLatentPage *self);
void gb_latent_page_set_view_changed_cb (GbLatentPage *self);
void gb_latent_page_project_codes       (GbLatentPage *self);
void gb_latent_page_update_slice        (GbLatentPage *self);
void gb_latent_page_slice_changed_cb    (GbLatentPage *self);
void gb_latent_page_fit_view            (GbLatentPage *self);

G_END_DECLS
