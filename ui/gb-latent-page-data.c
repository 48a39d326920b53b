/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-page-data.c — the Latent space page's data set: loaded and encoded by the model on show on
 * worker threads (at start, after each new model, and when the user opens another with Data set…). */
#include "gb-latent-page-private.h"
#include <glib/gi18n.h>

typedef struct {
  char *dir;
  GbVae *vae;                 /* a copy to encode with */
  GbDataset *ds;              /* in: may be set; out: loaded */
  float *mu;
  guint generation;
  gboolean replace;           /* a data set the user opened: it replaces the one on show */
} EncodeJob;

static void
encode_job_free (EncodeJob *job)
{
  g_free (job->dir);
  gb_vae_free (job->vae);
  gb_dataset_unref (job->ds);
  g_free (job->mu);
  g_free (job);
}

static void
encode_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  EncodeJob *job = data;
  GError *error = NULL;
  if (job->ds == NULL && (job->ds = gb_dataset_load (job->dir, FALSE, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (job->ds->test->rows * job->ds->test->cols != job->vae->config.n_input)
    {
      g_task_return_new_error (task, GB_ERROR, GB_ERROR_SHAPE,
                               _("%s: images have %d pixels but the model takes %d"), job->ds->dir,
                               job->ds->test->rows * job->ds->test->cols, job->vae->config.n_input);
      return;
    }
  job->mu = g_new (float, (gsize) job->ds->test->n * job->vae->config.n_latent);
  gb_vae_encode_u8 (job->vae, job->ds->test->pixels, job->mu, NULL, (int) job->ds->test->n);
  g_task_return_boolean (task, TRUE);
}


static void
encode_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GbLatentPage *self = GB_LATENT_PAGE (source);
  EncodeJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  if (self->disposed)
    return;
  gboolean first_load = self->data_loading && !job->replace;
  if (!job->replace)
    self->data_loading = FALSE;
  if (job->replace)
    {
      if (!g_task_propagate_boolean (G_TASK (result), &error))
        {
          /* The data set on show stays. */
          gb_latent_page_message (self, error->message);
          return;
        }
      g_clear_pointer (&self->ds, gb_dataset_unref);
      g_clear_pointer (&self->aggregate, gb_aggregate_map_free);
      self->has_sel = FALSE;
      self->pair_a = self->pair_b = -1;
      gb_latent_view_get_scene (self->view)->hidden_classes = 0;
      gb_latent_page_update_inference (self);
    }
  else if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (first_load)
        {
          g_free (self->data_error);
          self->data_error = g_strdup (_("No data points: the data set could not be loaded (see above). "
                                       "The preview, the manifold and sampling still work."));
          gb_latent_train_panel_set_data (self->train_panel, NULL, error->message);
          gb_latent_page_sync_scene (self, TRUE);
          if (self->lesson_select >= 0)
            {
              self->lesson_select = -1;
              gb_latent_page_message (self, _("The lesson's test image cannot be selected: there is no data set."));
            }
        }
      gb_latent_page_message (self, error->message);
      return;
    }
  if (self->ds == NULL)
    {
      self->ds = gb_dataset_ref (job->ds);
      self->rows = self->ds->test->rows;
      self->cols = self->ds->test->cols;
      g_clear_pointer (&self->data_error, g_free);
      gb_latent_train_panel_set_data (self->train_panel, self->ds, NULL);
    }
  if (job->generation != self->encode_generation)
    {
      /* The model changed meanwhile: a model opened while the data set was loading is encoded now. */
      if (self->encode_pending)
        gb_latent_page_start_encode (self);
      return;
    }
  g_autoptr (GbVaeSnapshot) snap = gb_vae_snapshot_new (g_steal_pointer (&job->vae), g_steal_pointer (&job->mu),
                                                        self->ds->test->n);
  gb_latent_page_install_snapshot (self, snap);
  gb_latent_page_fit_view (self);
  gb_latent_page_lesson_data_ready (self);
}



/* A data set the user chose: loaded and encoded on a worker; it replaces the one on show when both work. */
static void
open_dataset (GbLatentPage *self, const char *dir)
{
  if (gb_latent_train_panel_is_training (self->train_panel))
    {
      gb_latent_page_message (self, _("Stop training before opening another data set"));
      return;
    }
  EncodeJob *job = g_new0 (EncodeJob, 1);
  job->dir = g_strdup (dir);
  job->vae = gb_vae_copy (self->model->vae);
  job->replace = TRUE;
  job->generation = ++self->encode_generation;
  g_autoptr (GTask) task = g_task_new (self, NULL, encode_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) encode_job_free);
  g_task_run_in_thread (task, encode_thread);
}

static void
dataset_chosen_cb (GtkNativeDialog *dialog, int response, gpointer data)
{
  GbLatentPage *self = data;
  if (response == GTK_RESPONSE_ACCEPT && !self->disposed)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path == NULL)
        gb_latent_page_message (self, _("Only a local folder can be opened as a data set"));
      else
        open_dataset (self, path);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

void
gb_latent_page_open_dataset_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbLatentPage *self = GB_LATENT_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *dialog =
    gtk_file_chooser_native_new (_("Open a Data Set"),
                                 GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, "_Open", "_Cancel");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (dataset_chosen_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

void
gb_latent_page_start_encode (GbLatentPage *self)
{
  self->encode_pending = FALSE;
  EncodeJob *job = g_new0 (EncodeJob, 1);
  job->dir = g_strdup (gb_dataset_dir (NULL));
  job->vae = gb_vae_copy (self->model->vae);
  job->ds = self->ds ? gb_dataset_ref (self->ds) : NULL;
  job->generation = ++self->encode_generation;
  g_autoptr (GTask) task = g_task_new (self, NULL, encode_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) encode_job_free);
  g_task_run_in_thread (task, encode_thread);
}
