/* gb-latent-page-private.h — what the Latent space page's files share
 * (gb-latent-page.c: the page and what the user picks; gb-latent-page-training.c:
 * training), as GNOME Text Editor's editor-page-private.h does. */
#pragma once

#include "gb-latent-page.h"
#include "gb-latent-view.h"
#include "gb-long-run.h"
#include "gb-page.h"
#include "gb-vae-trainer.h"

G_BEGIN_DECLS

#define MAX_INTERP 32

struct _GbLatentPage {
  GtkBox parent_instance;

  /* Template children. */
  GbLatentView *view;
  GtkDrawingArea *info_area;
  GtkDrawingArea *plot_area;
  GtkCheckButton *manifold_check;
  GtkSpinButton *manifold_size;
  GtkDropDown *manifold_mode;
  GtkButton *sample_button;
  GtkSpinButton *n_samples;
  GtkSpinButton *interp_k;
  GtkButton *clear_button;
  GtkButton *reset_button;
  GtkSpinButton *epochs, *batch, *lr, *hidden, *beta, *seed;
  GtkButton *start_button;
  GtkToggleButton *pause_button;
  GtkButton *stop_button;
  GtkProgressBar *progress;

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

  GbManifold *manifold;
  GbGridDecoder *grid;        /* the model prepared for manifold grids */
  gboolean manifold_dirty;

  /* Pointer preview. */
  float *preview;             /* (D) */
  gboolean has_preview;
  double preview_z[2];

  /* Selection. */
  gboolean has_sel;
  guint32 sel;
  float sel_mu[2], sel_lv[2], sel_eps[2], sel_z[2];
  float *sel_recon;           /* (D) */
  GbVaeLoss sel_loss;

  /* Interpolation between two test points (−1: none). */
  gint64 pair_a, pair_b;
  float *interp;              /* (MAX_INTERP, D) */
  float interp_z[2 * MAX_INTERP];

  /* Prior samples. */
  GbRng sample_rng;
  int n_samples_drawn;
  float samples_z[2 * GB_LATENT_MAX_SAMPLES];
  float *samples;             /* (GB_LATENT_MAX_SAMPLES, D) */

  /* Training. */
  GbImageSet *train_set;
  GbTrainer *trainer;
  gboolean unsaved;        /* the model on show was trained here and not saved */
  GbLongRun long_run;      /* no suspend while training; a notification when done */
  GCancellable *cancel;
  GArray *train_curve;        /* of GbLossPoint */
  GArray *test_curve;
  GbTrainProgress last_progress;
  guint snapshot_version;
  gboolean holding_app;
  gboolean disposed;
};

void     gb_latent_page_message          (GbLatentPage *self, const char *message);
void     gb_latent_page_install_snapshot (GbLatentPage *self, GbVaeSnapshot *snap);
/* A model to show (taken), named for the model line; encodes the test set with it. */
void     gb_latent_page_set_model        (GbLatentPage *self, GbVae *vae, const char *name);

/* gb-latent-page-training.c */
void     gb_latent_page_training_init     (GbLatentPage *self);
void     gb_latent_page_training_finalize (GbLatentPage *self);
gboolean gb_latent_page_is_training       (GbPage *page);
gboolean gb_latent_page_has_unsaved       (GbPage *page);
void     gb_latent_page_stop              (GbPage *page);

G_END_DECLS
