/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-inference-panel.c — the selected image's posterior, bounds and gaps (see the header). */
#include "gb-latent-inference-panel.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "gb-form.h"

#define GRID_N 200
#define OPT_STEPS 200

/* The posterior's grid, shared with an optimisation running on it. */
typedef struct {
  GbPosteriorGrid *grid;
} GridRef;

static void
grid_ref_clear (gpointer data)
{
  gb_posterior_grid_free (((GridRef *) data)->grid);
}

static GridRef *
grid_ref_new (GbPosteriorGrid *grid)
{
  GridRef *r = g_atomic_rc_box_new0 (GridRef);
  r->grid = grid;
  return r;
}

static void
grid_ref_unref (GridRef *r)
{
  g_atomic_rc_box_release_full (r, grid_ref_clear);
}

struct _GbLatentInferencePanel {
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkCheckButton *posterior_check;
  GtkButton *optimise_button;
  GtkSpinButton *k_spin;
  GtkLabel *numbers;
  GtkCheckButton *aggregate_check, *kl_check;

  /* The image. */
  GbVaeSnapshot *model;
  float *x;                   /* (D) */
  float mu[GB_VAE_MAX_LATENT], lv[GB_VAE_MAX_LATENT];   /* the encoder's q (L each) */
  guint generation;

  /* What is worked out for it. */
  GCancellable *eval_cancel;
  gboolean evaluating;
  GridRef *grid;
  double log_px, elbo, iwae;
  int iwae_k;
  char *error;

  /* q for this image alone. */
  GCancellable *opt_cancel;
  gboolean optimising, has_q_opt;
  float q_mu[2], q_lv[2];
  double q_elbo;
  int q_step;
  GMutex live_lock;           /* guards live_* (written by the worker) */
  float live_mu[2], live_lv[2];
  double live_elbo;
  int live_step;
  guint tick;

  char *text;
};

G_DEFINE_FINAL_TYPE (GbLatentInferencePanel, gb_latent_inference_panel, GTK_TYPE_WIDGET)

enum { CHANGED, SET_VIEW_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* --- the numbers --- */

static void
update_text (GbLatentInferencePanel *self)
{
  GString *s = g_string_new (NULL);
  if (self->model == NULL)
    g_string_append (s, _("Click a point of the test set to see its posterior."));
  else if (self->error != NULL)
    g_string_append (s, self->error);
  else if (self->evaluating)
    g_string_append (s, _("Working out the posterior…"));
  else if (self->model->vae->config.n_latent != 2)
    g_string_append_printf (s,
                            _("ELBO of q(z|x)   %9.2f nats  (mean over %d draws)\n"
                              "IWAE-%-6d      %9.2f\n"
                              "The exact posterior and log p(x) need a 2-d latent."),
                            self->elbo, self->iwae_k, self->iwae_k, self->iwae);
  else
    {
      g_string_append_printf (s,
                              _("log p(x)          %9.2f nats\n"
                              "IWAE-%-6d       %9.2f\n"
                              "ELBO of q(z|x)    %9.2f\n"
                              "gap KL(q‖p(z|x))  %9.2f\n"
                              "log p(x) by quadrature on %d × %d points; the gap is log p(x) − ELBO."),
                              self->log_px, self->iwae_k, self->iwae, self->elbo, self->log_px - self->elbo, GRID_N,
                              GRID_N);
      if (self->has_q_opt)
        g_string_append_printf (s,
                                _("\n\nq* fitted to this image alone%s, step %d\n"
                                "ELBO of q*        %9.2f\n"
                                "approximation gap %9.2f\n"
                                "amortisation gap  %9.2f\n"
                                "approximation: log p(x) − ELBO(q*), what a Gaussian cannot do; amortisation: "
                                "ELBO(q*) − ELBO(q), what one encoder for all images gives up."),
                                self->optimising ? "…" : "", self->q_step, self->q_elbo, self->log_px - self->q_elbo,
                                self->q_elbo - self->elbo);
    }
  g_free (self->text);
  self->text = g_string_free (s, FALSE);
  gtk_label_set_text (self->numbers, self->text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->optimise_button),
                            self->grid != NULL && !self->evaluating && self->error == NULL);
  gtk_button_set_label (self->optimise_button, self->optimising ? _("Stop _q") : _("Optimise _q"));
}

/* --- working out the posterior --- */

typedef struct {
  GbVaeSnapshot *model;
  float *x;
  float mu[GB_VAE_MAX_LATENT], lv[GB_VAE_MAX_LATENT];
  int K;
  guint generation;
  /* Results. */
  GbPosteriorGrid *grid;
  double log_px, elbo, iwae;
} Eval;

static void
eval_free (Eval *e)
{
  gb_vae_snapshot_unref (e->model);
  g_free (e->x);
  gb_posterior_grid_free (e->grid);
  g_free (e);
}

static void
eval_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Eval *e = data;
  const GbVae *vae = e->model->vae;
  GbRng rng;
  gb_rng_init (&rng, 1);
  double mc;
  e->iwae = gb_vae_iwae (vae, e->x, e->mu, e->lv, e->K, &rng, &mc);
  e->elbo = mc;
  e->log_px = NAN;
  if (vae->config.n_latent == 2 && !g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr (GbManifoldDecoder) dec = gb_manifold_decoder_new (vae);
      GError *error = NULL;
      e->grid = gb_posterior_grid_fitted (vae, dec, e->x, e->mu, e->lv, GRID_N, &error);
      if (e->grid == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      /* On the grid, as q*'s will be: the gaps measured alike. */
      e->elbo = gb_posterior_grid_elbo (e->grid, e->mu, e->lv, NULL);
      e->log_px = e->grid->log_px;
    }
  if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
}

static void
eval_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GbLatentInferencePanel *self = GB_LATENT_INFERENCE_PANEL (source);
  Eval *e = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  if (e->generation != self->generation || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->evaluating = FALSE;
  if (!ok)
    self->error = g_strdup (error->message);
  else
    {
      self->log_px = e->log_px, self->elbo = e->elbo, self->iwae = e->iwae, self->iwae_k = e->K;
      g_info ("inference: log p(x) %.3f, IWAE-%d %.3f, ELBO %.3f", e->log_px, e->K, e->iwae, e->elbo);
      if (e->grid != NULL)
        self->grid = grid_ref_new (g_steal_pointer (&e->grid));
    }
  update_text (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
stop_optimising (GbLatentInferencePanel *self)
{
  if (self->opt_cancel != NULL)
    g_cancellable_cancel (self->opt_cancel);
  g_clear_object (&self->opt_cancel);
  self->optimising = FALSE;
  if (self->tick != 0)
    g_source_remove (self->tick), self->tick = 0;
}

static void
evaluate (GbLatentInferencePanel *self)
{
  self->generation++;
  stop_optimising (self);
  if (self->eval_cancel != NULL)
    g_cancellable_cancel (self->eval_cancel);
  g_clear_object (&self->eval_cancel);
  g_clear_pointer (&self->grid, grid_ref_unref);
  g_clear_pointer (&self->error, g_free);
  self->has_q_opt = FALSE;
  self->evaluating = self->model != NULL;
  if (self->model != NULL)
    {
      int D = self->model->vae->config.n_input;
      Eval *e = g_new0 (Eval, 1);
      e->model = gb_vae_snapshot_ref (self->model);
      e->x = g_memdup2 (self->x, (gsize) D * sizeof (float));
      memcpy (e->mu, self->mu, sizeof e->mu);
      memcpy (e->lv, self->lv, sizeof e->lv);
      e->K = gtk_spin_button_get_value_as_int (self->k_spin);
      e->generation = self->generation;
      self->eval_cancel = g_cancellable_new ();
      g_autoptr (GTask) task = g_task_new (self, self->eval_cancel, eval_done_cb, NULL);
      g_task_set_task_data (task, e, (GDestroyNotify) eval_free);
      g_task_run_in_thread (task, eval_thread);
    }
  update_text (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* --- q for this image alone --- */

typedef struct {
  GbLatentInferencePanel *self;   /* read only for live_lock: the panel outlives the task (dispose cancels and waits) */
  GridRef *grid;
  float mu[2], lv[2];
  double elbo;
  GCancellable *cancellable;
} Opt;

static void
opt_free (Opt *o)
{
  grid_ref_unref (o->grid);
  g_object_unref (o->cancellable);
  g_free (o);
}

static gboolean
opt_step_cb (int step, const float mu[2], const float lv[2], double elbo, gpointer data)
{
  Opt *o = data;
  GbLatentInferencePanel *self = o->self;
  g_mutex_lock (&self->live_lock);
  memcpy (self->live_mu, mu, sizeof self->live_mu);
  memcpy (self->live_lv, lv, sizeof self->live_lv);
  self->live_elbo = elbo, self->live_step = step;
  g_mutex_unlock (&self->live_lock);
  /* Paced, so that the fit can be watched: about two seconds for the whole run. */
  g_usleep (10000);
  return !g_cancellable_is_cancelled (o->cancellable);
}

static void
opt_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Opt *o = data;
  o->elbo = gb_posterior_grid_optimise_q (o->grid->grid, o->mu, o->lv, OPT_STEPS, opt_step_cb, o);
  g_task_return_boolean (task, TRUE);
}

static void
take_live (GbLatentInferencePanel *self)
{
  g_mutex_lock (&self->live_lock);
  memcpy (self->q_mu, self->live_mu, sizeof self->q_mu);
  memcpy (self->q_lv, self->live_lv, sizeof self->q_lv);
  self->q_elbo = self->live_elbo, self->q_step = self->live_step;
  g_mutex_unlock (&self->live_lock);
  self->has_q_opt = TRUE;
}

static gboolean
opt_tick_cb (gpointer data)
{
  GbLatentInferencePanel *self = data;
  take_live (self);
  update_text (self);
  g_signal_emit (self, signals[CHANGED], 0);
  return G_SOURCE_CONTINUE;
}

static void
opt_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GbLatentInferencePanel *self = GB_LATENT_INFERENCE_PANEL (source);
  Opt *o = g_task_get_task_data (G_TASK (result));
  if (o->cancellable != self->opt_cancel)
    return;   /* a run since replaced (its last step is in live_*, but for an image no longer shown) */
  take_live (self);
  stop_optimising (self);
  g_info ("inference: q* ELBO %.3f after %d steps", self->q_elbo, self->q_step);
  update_text (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
optimise_clicked_cb (GbLatentInferencePanel *self)
{
  if (self->optimising)
    {
      /* Stop where it is: the last step's q stays. */
      stop_optimising (self);
      update_text (self);
      return;
    }
  if (self->grid == NULL)
    return;
  Opt *o = g_new0 (Opt, 1);
  o->self = self;
  o->grid = g_atomic_rc_box_acquire (self->grid);
  memcpy (o->mu, self->mu, sizeof o->mu);
  memcpy (o->lv, self->lv, sizeof o->lv);
  self->opt_cancel = g_cancellable_new ();
  o->cancellable = g_object_ref (self->opt_cancel);
  self->optimising = TRUE;
  self->tick = g_timeout_add (33, opt_tick_cb, self);
  g_autoptr (GTask) task = g_task_new (self, NULL, opt_done_cb, NULL);
  g_task_set_task_data (task, o, (GDestroyNotify) opt_free);
  g_task_run_in_thread (task, opt_thread);
  update_text (self);
}

/* --- API --- */

void
gb_latent_inference_panel_set_image (GbLatentInferencePanel *self, GbVaeSnapshot *model, const guint8 *pixels,
                                     const float *mu, const float *logvar)
{
  g_return_if_fail (GB_IS_LATENT_INFERENCE_PANEL (self));
  g_clear_pointer (&self->model, gb_vae_snapshot_unref);
  g_clear_pointer (&self->x, g_free);
  if (model != NULL)
    {
      self->model = gb_vae_snapshot_ref (model);
      int D = model->vae->config.n_input;
      self->x = g_new (float, D);
      for (int d = 0; d < D; d++)
        self->x[d] = pixels[d] * (1.0f / 255.0f);
      int L = model->vae->config.n_latent;
      memcpy (self->mu, mu, (gsize) L * sizeof (float));
      memcpy (self->lv, logvar, (gsize) L * sizeof (float));
    }
  evaluate (self);
}

const GbPosteriorGrid *
gb_latent_inference_panel_get_posterior (GbLatentInferencePanel *self)
{
  g_return_val_if_fail (GB_IS_LATENT_INFERENCE_PANEL (self), NULL);
  if (self->grid == NULL || !gtk_check_button_get_active (self->posterior_check))
    return NULL;
  return self->grid->grid;
}

gboolean
gb_latent_inference_panel_get_q_opt (GbLatentInferencePanel *self, float mu[2], float logvar[2])
{
  g_return_val_if_fail (GB_IS_LATENT_INFERENCE_PANEL (self), FALSE);
  if (!self->has_q_opt)
    return FALSE;
  memcpy (mu, self->q_mu, 2 * sizeof (float));
  memcpy (logvar, self->q_lv, 2 * sizeof (float));
  return TRUE;
}

const char *
gb_latent_inference_panel_get_text (GbLatentInferencePanel *self)
{
  g_return_val_if_fail (GB_IS_LATENT_INFERENCE_PANEL (self), NULL);
  return self->text;
}

/* --- GObject --- */

static void
posterior_toggled_cb (GbLatentInferencePanel *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
set_view_toggled_cb (GbLatentInferencePanel *self)
{
  g_signal_emit (self, signals[SET_VIEW_CHANGED], 0);
}

void
gb_latent_inference_panel_set_two_d (GbLatentInferencePanel *self, gboolean two_d)
{
  g_return_if_fail (GB_IS_LATENT_INFERENCE_PANEL (self));
  const char *why = two_d ? NULL : _("Needs a 2-d latent space");
  gtk_widget_set_sensitive (GTK_WIDGET (self->aggregate_check), two_d);
  gtk_widget_set_sensitive (GTK_WIDGET (self->kl_check), two_d);
  gtk_widget_set_sensitive (GTK_WIDGET (self->posterior_check), two_d);
  if (why != NULL)
    {
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->aggregate_check), why);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->kl_check), why);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->posterior_check), why);
    }
}

gboolean
gb_latent_inference_panel_get_aggregate (GbLatentInferencePanel *self)
{
  g_return_val_if_fail (GB_IS_LATENT_INFERENCE_PANEL (self), FALSE);
  return gtk_check_button_get_active (self->aggregate_check);
}

gboolean
gb_latent_inference_panel_get_kl_colour (GbLatentInferencePanel *self)
{
  g_return_val_if_fail (GB_IS_LATENT_INFERENCE_PANEL (self), FALSE);
  return gtk_check_button_get_active (self->kl_check);
}

static void
gb_latent_inference_panel_dispose (GObject *object)
{
  GbLatentInferencePanel *self = GB_LATENT_INFERENCE_PANEL (object);
  self->generation++;
  stop_optimising (self);
  if (self->eval_cancel != NULL)
    g_cancellable_cancel (self->eval_cancel);
  g_clear_object (&self->eval_cancel);
  gb_form_dispose_template (GTK_WIDGET (object), GB_TYPE_LATENT_INFERENCE_PANEL);
  G_OBJECT_CLASS (gb_latent_inference_panel_parent_class)->dispose (object);
}

static void
gb_latent_inference_panel_finalize (GObject *object)
{
  GbLatentInferencePanel *self = GB_LATENT_INFERENCE_PANEL (object);
  g_clear_pointer (&self->model, gb_vae_snapshot_unref);
  g_clear_pointer (&self->grid, grid_ref_unref);
  g_free (self->x);
  g_free (self->error);
  g_free (self->text);
  g_mutex_clear (&self->live_lock);
  G_OBJECT_CLASS (gb_latent_inference_panel_parent_class)->finalize (object);
}

static void
gb_latent_inference_panel_class_init (GbLatentInferencePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gb_latent_inference_panel_dispose;
  object_class->finalize = gb_latent_inference_panel_finalize;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);
  signals[SET_VIEW_CHANGED] = g_signal_new ("set-view-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-latent-inference-panel.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, GbLatentInferencePanel, name)
  CHILD (box);
  CHILD (posterior_check);
  CHILD (optimise_button);
  CHILD (k_spin);
  CHILD (numbers);
  CHILD (aggregate_check);
  CHILD (kl_check);
#undef CHILD
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
k_changed_cb (GbLatentInferencePanel *self)
{
  if (self->model != NULL)
    evaluate (self);
}

static void
gb_latent_inference_panel_init (GbLatentInferencePanel *self)
{
  g_mutex_init (&self->live_lock);
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->optimise_button, "clicked", G_CALLBACK (optimise_clicked_cb), self);
  g_signal_connect_swapped (self->posterior_check, "toggled", G_CALLBACK (posterior_toggled_cb), self);
  g_signal_connect_swapped (self->k_spin, "value-changed", G_CALLBACK (k_changed_cb), self);
  g_signal_connect_swapped (self->aggregate_check, "toggled", G_CALLBACK (set_view_toggled_cb), self);
  g_signal_connect_swapped (self->kl_check, "toggled", G_CALLBACK (set_view_toggled_cb), self);
  update_text (self);
}

void
gb_latent_inference_panel_set_posterior (GbLatentInferencePanel *self, gboolean on)
{
  gtk_check_button_set_active (self->posterior_check, on);
}

gboolean
gb_latent_inference_panel_get_posterior_on (GbLatentInferencePanel *self)
{
  return gtk_check_button_get_active (self->posterior_check);
}
