/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-train-panel.c — training a VAE in the Latent space page. */
#include "gb-latent-train-panel.h"
#include <glib/gi18n.h>

#include <math.h>

#include "gb-confirm.h"
#include "gb-form.h"
#include "gb-long-run.h"
#include "gb-plot-paint.h"
#include "gb-settings.h"

struct _GbLatentTrainPanel {
  GtkWidget parent_instance;

  GtkSpinButton *epochs, *batch, *lr, *hidden, *beta, *seed;
  GtkButton *start_button, *stop_button;
  GtkToggleButton *pause_button;
  GtkProgressBar *progress;
  GtkDrawingArea *plot_area;

  GbDataset *ds;              /* what it trains on, or NULL */
  char *why;                  /* why there is none (NULL: still loading) */
  GbImageSet *train_set;      /* loaded on the first Start */
  GbTrainer *trainer;
  GCancellable *cancel;
  GArray *train_curve, *test_curve;   /* of GbLossPoint */
  GbTrainProgress last;
  guint snapshot_version;
  gboolean unsaved, holding_app, disposed;
  GbLongRun long_run;         /* no suspend while training; a notification when done */
  GtkWidget *return_focus;
};

G_DEFINE_FINAL_TYPE (GbLatentTrainPanel, gb_latent_train_panel, GTK_TYPE_WIDGET)

enum { SNAPSHOT, FINISHED, MESSAGE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
message (GbLatentTrainPanel *self, const char *text)
{
  g_signal_emit (self, signals[MESSAGE], 0, text);
}

static void
set_training_ui (GbLatentTrainPanel *self, gboolean running)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->pause_button), running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stop_button), running);
  /* Move the keyboard focus off the controls about to be disabled (a focused
   * entry made insensitive loses its focus-out event). When training stops
   * because the window is closing, the panel may already be out of it. */
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GtkWidget *locked[] = { GTK_WIDGET (self->start_button), GTK_WIDGET (self->epochs), GTK_WIDGET (self->batch),
                          GTK_WIDGET (self->hidden), GTK_WIDGET (self->seed) };
  for (gsize i = 0; running && focus != NULL && i < G_N_ELEMENTS (locked); i++)
    if (focus == locked[i] || gtk_widget_is_ancestor (focus, locked[i]))
      gtk_widget_grab_focus (GTK_WIDGET (self->pause_button));
  if (!running && focus != NULL && self->return_focus != NULL
      && (focus == GTK_WIDGET (self->pause_button) || focus == GTK_WIDGET (self->stop_button)))
    gtk_widget_grab_focus (self->return_focus);
  gtk_widget_set_sensitive (GTK_WIDGET (self->start_button), !running && self->ds != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->epochs), !running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->batch), !running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->hidden), !running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->seed), !running);
  if (!running)
    gtk_toggle_button_set_active (self->pause_button, FALSE);
}

void
gb_latent_train_panel_set_data (GbLatentTrainPanel *self, GbDataset *ds, const char *why)
{
  g_clear_pointer (&self->ds, gb_dataset_unref);
  self->ds = ds ? gb_dataset_ref (ds) : NULL;
  g_free (self->why);
  self->why = g_strdup (ds ? NULL : why);
  if (self->trainer == NULL)
    gtk_widget_set_sensitive (GTK_WIDGET (self->start_button), ds != NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->start_button), ds ? NULL : why ? why : _("Loading the data set…"));
  gtk_widget_queue_draw (GTK_WIDGET (self->plot_area));
}

void
gb_latent_train_panel_bind_settings (GbLatentTrainPanel *self, GSettings *settings)
{
  gb_settings_bind_spin (settings, "train-epochs", self->epochs);
  gb_settings_bind_spin (settings, "train-batch", self->batch);
  gb_settings_bind_spin (settings, "train-lr", self->lr);
  gb_settings_bind_spin (settings, "train-hidden", self->hidden);
  gb_settings_bind_spin (settings, "train-beta", self->beta);
  gb_settings_bind_spin (settings, "train-seed", self->seed);
}

void
gb_latent_train_panel_set_return_focus (GbLatentTrainPanel *self, GtkWidget *widget)
{
  self->return_focus = widget;
}

gboolean
gb_latent_train_panel_is_training (GbLatentTrainPanel *self)
{
  return self->trainer != NULL;
}

gboolean
gb_latent_train_panel_get_unsaved (GbLatentTrainPanel *self)
{
  return self->unsaved;
}

void
gb_latent_train_panel_set_unsaved (GbLatentTrainPanel *self, gboolean unsaved)
{
  self->unsaved = unsaved;
}

/* --- a run --- */

static char *
format_duration (double s)
{
  int t = (int) lround (MAX (s, 0));
  return t >= 3600 ? g_strdup_printf ("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
                   : g_strdup_printf ("%d:%02d", t / 60, t % 60);
}

static void
update_progress (GbLatentTrainPanel *self)
{
  GbTrainProgress *p = &self->last;
  gb_trainer_get_progress (self->trainer, p);
  gb_trainer_copy_train_curve (self->trainer, self->train_curve->len, self->train_curve);
  gb_trainer_copy_test_curve (self->trainer, self->test_curve->len, self->test_curve);
  double frac = p->total > 0 ? (double) p->done / p->total : 0.0;
  gtk_progress_bar_set_fraction (self->progress, frac);
  g_autofree char *left = format_duration (p->remaining);
  g_autofree char *text = g_strdup_printf (_("%sEpoch %d of %d · step %d of %d · %s left · %.0f images/s"),
                                           p->paused ? _("Paused · ") : "", p->epoch + 1, p->epochs, p->step,
                                           p->steps_per_epoch, left, p->images_per_second);
  gtk_progress_bar_set_text (self->progress, text);
  gtk_widget_queue_draw (GTK_WIDGET (self->plot_area));

  g_autoptr (GbVaeSnapshot) snap = gb_trainer_get_snapshot (self->trainer);
  if (snap != NULL && snap->version != self->snapshot_version)
    {
      self->snapshot_version = snap->version;
      g_autofree char *name = g_strdup_printf (_("training: step %lld"), (long long) snap->step);
      g_signal_emit (self, signals[SNAPSHOT], 0, snap, name);
    }
}

static void
trainer_progress_cb (GbTrainer *trainer, GbLatentTrainPanel *self)
{
  if (trainer == self->trainer)
    update_progress (self);
}

static void
trainer_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GbLatentTrainPanel *self = data;
  GbTrainer *trainer = GB_TRAINER (source);
  g_autoptr (GError) error = NULL;
  gboolean ok = gb_trainer_run_finish (trainer, result, &error);
  if (trainer == self->trainer && !self->disposed)
    {
      update_progress (self);
      GbTrainProgress *p = &self->last;
      /* Keep the model trained so far, with its final numbers. */
      g_autoptr (GbVae) vae = gb_trainer_dup_model (trainer);
      g_autofree char *text = NULL;
      gboolean stopped = g_cancellable_is_cancelled (self->cancel);
      if (!ok)
        text = g_strdup_printf (_("Stopped: %s"), error->message);
      else if (stopped)
        text = g_strdup_printf (_("Stopped after %lld steps (%d full epochs); the model so far is kept"),
                                (long long) p->done, vae->info.epochs);
      else
        text = g_strdup_printf (_("Done: %d epochs · test −ELBO %.2f nats"), vae->info.epochs, vae->info.test_elbo);
      gtk_progress_bar_set_text (self->progress, text);
      g_info ("training %s after %" G_GINT64_FORMAT " steps: %s", ok && !stopped ? "finished" : "stopped", p->done,
              text);
      if (!ok)
        message (self, error->message);
      gb_long_run_end (&self->long_run, GTK_WIDGET (self), ok ? _("The VAE has finished training") : _("Training stopped"),
                       text);
      g_clear_object (&self->trainer);
      g_clear_object (&self->cancel);
      set_training_ui (self, FALSE);
      g_signal_emit (self, signals[FINISHED], 0, vae, ok);
      self->unsaved = p->done > 0;
    }
  if (self->long_run.cookie != 0)
    gb_long_run_end (&self->long_run, NULL, NULL, NULL);   /* the page went away first */
  if (self->holding_app)
    {
      self->holding_app = FALSE;
      g_application_release (g_application_get_default ());
    }
  g_object_unref (self);
}

static GbTrainConfig
read_config (GbLatentTrainPanel *self)
{
  GbTrainConfig c;
  gb_train_config_init (&c);
  c.epochs = gtk_spin_button_get_value_as_int (self->epochs);
  c.batch = gtk_spin_button_get_value_as_int (self->batch);
  c.lr = gtk_spin_button_get_value (self->lr);
  c.hidden = gtk_spin_button_get_value_as_int (self->hidden);
  c.beta = gtk_spin_button_get_value (self->beta);
  c.seed = (guint64) gtk_spin_button_get_value_as_int (self->seed);
  return c;
}

static void
start_trainer (GbLatentTrainPanel *self)
{
  GbTrainConfig c = read_config (self);
  g_autoptr (GError) error = NULL;
  self->trainer = gb_trainer_new (self->train_set, self->ds->test, self->ds->name, NULL, &c, &error);
  if (self->trainer == NULL)
    {
      message (self, error->message);
      set_training_ui (self, FALSE);
      gtk_progress_bar_set_text (self->progress, error->message);
      return;
    }
  g_array_set_size (self->train_curve, 0);
  g_array_set_size (self->test_curve, 0);
  self->snapshot_version = 0;
  self->cancel = g_cancellable_new ();
  g_signal_connect (self->trainer, "progress", G_CALLBACK (trainer_progress_cb), self);
  if (g_application_get_default () != NULL)
    {
      g_application_hold (g_application_get_default ());
      self->holding_app = TRUE;
    }
  g_info ("training started: %d epochs, batch %d, lr %g, hidden %d, β %g, seed %" G_GUINT64_FORMAT,
          c.epochs, c.batch, c.lr, c.hidden, c.beta, c.seed);
  gb_trainer_run_async (self->trainer, self->cancel, trainer_done_cb, g_object_ref (self));
  gb_long_run_begin (&self->long_run, GTK_WIDGET (self), _("training a VAE"));
  set_training_ui (self, TRUE);
  update_progress (self);
}

static void
load_train_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GError *error = NULL;
  GbImageSet *set = gb_dataset_load_split (data, "train", &error);
  if (set == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, set, (GDestroyNotify) gb_image_set_unref);
}

static void
load_train_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GbLatentTrainPanel *self = GB_LATENT_TRAIN_PANEL (source);
  g_autoptr (GError) error = NULL;
  GbImageSet *set = g_task_propagate_pointer (G_TASK (result), &error);
  if (self->disposed)
    {
      gb_image_set_unref (set);
      return;
    }
  if (set == NULL)
    {
      message (self, error->message);
      gtk_progress_bar_set_text (self->progress, error->message);
      set_training_ui (self, FALSE);
      return;
    }
  if (set->rows != self->ds->test->rows || set->cols != self->ds->test->cols)
    {
      message (self, _("the training images do not have the test images' size"));
      gb_image_set_unref (set);
      set_training_ui (self, FALSE);
      return;
    }
  self->train_set = set;
  start_trainer (self);
}

static void start_clicked_cb (GbLatentTrainPanel *self);

static void
replace_answer_cb (GbConfirm answer, gpointer data)
{
  GbLatentTrainPanel *self = data;
  if (answer == GB_CONFIRM_DISCARD && !self->disposed)
    {
      self->unsaved = FALSE;
      start_clicked_cb (self);
    }
  else if (answer == GB_CONFIRM_SAVE && !self->disposed)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.save", NULL);   /* then Start again */
  g_object_unref (self);
}

static void
start_clicked_cb (GbLatentTrainPanel *self)
{
  if (self->trainer != NULL || self->ds == NULL)
    return;
  if (self->unsaved)
    {
      /* A new run replaces the model on show: ask, as closing would. */
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      gb_confirm_unsaved (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _("Save the VAE trained in the app?"),
                          _("Training a new one replaces it, and it has not been saved."), _("_Discard and Train"),
                          replace_answer_cb, g_object_ref (self));
      return;
    }
  GbTrainConfig c = read_config (self);
  g_autoptr (GError) error = NULL;
  if (!gb_train_config_check (&c, &error))
    {
      message (self, error->message);
      return;
    }
  set_training_ui (self, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stop_button), FALSE);
  if (self->train_set != NULL)
    {
      start_trainer (self);
      return;
    }
  gtk_progress_bar_set_text (self->progress, _("Loading the training images…"));
  g_autoptr (GTask) task = g_task_new (self, NULL, load_train_done_cb, NULL);
  g_task_set_task_data (task, g_strdup (self->ds->dir), g_free);
  g_task_run_in_thread (task, load_train_thread);
}

static void
pause_toggled_cb (GbLatentTrainPanel *self)
{
  if (self->trainer != NULL)
    {
      gb_trainer_set_paused (self->trainer, gtk_toggle_button_get_active (self->pause_button));
      update_progress (self);
    }
}

void
gb_latent_train_panel_stop (GbLatentTrainPanel *self)
{
  if (self->cancel != NULL)
    {
      gb_trainer_set_paused (self->trainer, FALSE);
      g_cancellable_cancel (self->cancel);
    }
}

static void
lr_changed_cb (GbLatentTrainPanel *self)
{
  double lr = gtk_spin_button_get_value (self->lr);
  if (self->trainer != NULL && lr > 0.0 && lr <= 1.0)
    gb_trainer_set_lr (self->trainer, lr);
}

static void
beta_changed_cb (GbLatentTrainPanel *self)
{
  double beta = gtk_spin_button_get_value (self->beta);
  if (self->trainer != NULL && beta >= 0.0 && beta <= 1000.0)
    gb_trainer_set_beta (self->trainer, beta);
}

static void
plot_draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbLatentTrainPanel *self = data;
  GbPalette pal;
  gb_form_palette (GTK_WIDGET (self), &pal);
  GbLossPlot plot = {
    (const GbLossPoint *) self->train_curve->data, self->train_curve->len,
    (const GbLossPoint *) self->test_curve->data, self->test_curve->len,
    MAX (self->last.steps_per_epoch, 1), self->last.total,
    self->ds ? _("Press Start to train a new VAE and watch its loss here")
    : self->why == NULL ? _("Loading the data set…") : _("Training needs the Fashion-MNIST data set"),
  };
  gb_loss_plot_paint (cr, w, h, &plot, &pal);
}

GbTable *
gb_latent_train_panel_table (GbLatentTrainPanel *self)
{
  guint n = self->train_curve->len, m = self->test_curve->len;
  if (n == 0 && m == 0)
    return NULL;
  GbTable *t = gb_table_new ("VAE training: the loss of each recorded step and the test −ELBO of each epoch");
  g_autofree float *col = g_new (float, MAX (MAX (n, m), 1));
  const GbLossPoint *tr = (const GbLossPoint *) self->train_curve->data, *te = (const GbLossPoint *) self->test_curve->data;
#define COLUMN(name, pts, k, expr) \
  do { for (guint i = 0; i < (k); i++) { const GbLossPoint *p = &(pts)[i]; col[i] = (expr); } \
       gb_table_add_floats (t, name, col, (int) (k)); } while (0)
  COLUMN ("step", tr, n, p->x);
  COLUMN ("train loss", tr, n, p->loss);
  COLUMN ("train BCE", tr, n, p->bce);
  COLUMN ("train KL", tr, n, p->kl);
  COLUMN ("epoch", te, m, p->x);
  COLUMN ("test -ELBO", te, m, p->bce + p->kl);
  COLUMN ("test BCE", te, m, p->bce);
  COLUMN ("test KL", te, m, p->kl);
#undef COLUMN
  return t;
}

/* --- the object --- */

static void
gb_latent_train_panel_dispose (GObject *object)
{
  GbLatentTrainPanel *self = GB_LATENT_TRAIN_PANEL (object);
  self->disposed = TRUE;
  if (self->cancel != NULL)
    g_cancellable_cancel (self->cancel);
  gb_form_dispose_template (GTK_WIDGET (object), GB_TYPE_LATENT_TRAIN_PANEL);
  G_OBJECT_CLASS (gb_latent_train_panel_parent_class)->dispose (object);
}

static void
gb_latent_train_panel_finalize (GObject *object)
{
  GbLatentTrainPanel *self = GB_LATENT_TRAIN_PANEL (object);
  gb_dataset_unref (self->ds);
  g_free (self->why);
  gb_image_set_unref (self->train_set);
  g_clear_object (&self->trainer);
  g_clear_object (&self->cancel);
  g_array_unref (self->train_curve);
  g_array_unref (self->test_curve);
  G_OBJECT_CLASS (gb_latent_train_panel_parent_class)->finalize (object);
}

static void
gb_latent_train_panel_class_init (GbLatentTrainPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gb_latent_train_panel_dispose;
  object_class->finalize = gb_latent_train_panel_finalize;
  /* (snapshot, name): a newer model of the run, to show. */
  signals[SNAPSHOT] = g_signal_new ("snapshot", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_STRING);
  /* (vae, ok): the run has ended; vae (borrowed) is the model trained so far. */
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_BOOLEAN);
  signals[MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-latent-train-panel.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, GbLatentTrainPanel, name)
  CHILD (epochs), CHILD (batch), CHILD (lr), CHILD (hidden), CHILD (beta), CHILD (seed);
  CHILD (start_button), CHILD (pause_button), CHILD (stop_button), CHILD (progress), CHILD (plot_area);
#undef CHILD
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
gb_latent_train_panel_init (GbLatentTrainPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->train_curve = g_array_new (FALSE, FALSE, sizeof (GbLossPoint));
  self->test_curve = g_array_new (FALSE, FALSE, sizeof (GbLossPoint));
  gtk_widget_set_sensitive (GTK_WIDGET (self->start_button), FALSE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->start_button), _("Loading the data set…"));
  g_signal_connect_swapped (self->start_button, "clicked", G_CALLBACK (start_clicked_cb), self);
  g_signal_connect_swapped (self->pause_button, "toggled", G_CALLBACK (pause_toggled_cb), self);
  g_signal_connect_swapped (self->stop_button, "clicked", G_CALLBACK (gb_latent_train_panel_stop), self);
  g_signal_connect_swapped (self->lr, "value-changed", G_CALLBACK (lr_changed_cb), self);
  g_signal_connect_swapped (self->beta, "value-changed", G_CALLBACK (beta_changed_cb), self);
  gtk_drawing_area_set_draw_func (self->plot_area, plot_draw_cb, self, NULL);
}
