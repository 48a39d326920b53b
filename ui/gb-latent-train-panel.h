/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-train-panel.h — training a VAE in the Latent space page: the
 * settings (epochs, batch, hidden width and seed fixed for a run; the
 * learning rate and β change it as it runs), Start, Pause and Stop, the
 * progress and the loss curves.
 *
 * Start loads the training images on a worker and runs a GbTrainer (asking
 * first when it would replace a model trained here and not saved). The
 * panel emits "snapshot" with each newer model while it trains, and
 * "finished" with the model trained so far when the run ends; the page shows
 * them. */
#pragma once

#include <gtk/gtk.h>

#include "gb-dataset.h"
#include "gb-vae-trainer.h"

#include "gb-table.h"

G_BEGIN_DECLS

#define GB_TYPE_LATENT_TRAIN_PANEL (gb_latent_train_panel_get_type ())
G_DECLARE_FINAL_TYPE (GbLatentTrainPanel, gb_latent_train_panel, GB, LATENT_TRAIN_PANEL, GtkWidget)

/* The data set to train on; NULL with why: Start stays off and says why. */
void     gb_latent_train_panel_set_data     (GbLatentTrainPanel *self, GbDataset *ds, const char *why);
/* The settings keep the controls' values between runs of the app. */
void     gb_latent_train_panel_bind_settings (GbLatentTrainPanel *self, GSettings *settings);
/* Where the keyboard focus goes when the run ends with it on Pause or Stop. */
void     gb_latent_train_panel_set_return_focus (GbLatentTrainPanel *self, GtkWidget *widget);
gboolean gb_latent_train_panel_is_training  (GbLatentTrainPanel *self);
/* A model trained here and not saved is on show (set when a run ends with
 * steps done; the page clears it when the model is saved or replaced). */
gboolean gb_latent_train_panel_get_unsaved  (GbLatentTrainPanel *self);
void     gb_latent_train_panel_set_unsaved  (GbLatentTrainPanel *self, gboolean unsaved);
/* Stops the run after its current step; "finished" follows with the model so far. */
void     gb_latent_train_panel_stop         (GbLatentTrainPanel *self);
/* The loss plot's numbers: each recorded step's loss, BCE and KL, and each
 * epoch's test −ELBO, BCE and KL; NULL before any training. */
GbTable *gb_latent_train_panel_table        (GbLatentTrainPanel *self);

G_END_DECLS
