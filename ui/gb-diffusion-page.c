/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-page.c — the Diffusion page.
 *
 * A shell (resources/ui/gb-diffusion-page.ui) over two views: 2-d points
 * (GbDiffusionCloudView: a toy distribution, one the user paints, or the VAE's
 * latent plane) and Fashion-MNIST images (GbDiffusionImageView: a grid of
 * images at t and the selected one's x_t, ε̂ and x̂₀). The page owns a model
 * per domain; it trains live as a GbDiffusionJob on a worker, and Sample runs
 * a GbSampleRun on another, recording every step, so the view follows it live
 * and the timeline then scrubs the whole trajectory with no recomputation.
 * The forward process is computed in closed form for the scrubbed t from one
 * fixed noise draw, so it changes continuously.
 */
#include "gb-diffusion-page-private.h"
#include <glib/gi18n.h>

#include "gb-settings.h"
#include "gb-page.h"

#include <math.h>
#include <string.h>

#include "gb-diffusion-cloud-view.h"
#include "gb-diffusion-denoiser.h"
#include "gb-diffusion-image-view.h"
#include "gb-diffusion-job.h"
#include "gb-diffusion-paint.h"
#include "gb-diffusion-run.h"
#include "gb-diffusion-timeline.h"
#include "gb-diffusion-toy2d.h"
#include "gb-error.h"
#include "gb-form.h"
#include "gb-frame-stats.h"
#include "gb-long-run.h"
#include "gb-models.h"
#include "gb-safetensors.h"
#include "gb-series-paint.h"

static const char *const domain_titles[] = { N_("Swiss roll"), N_("Two moons"), N_("Eight Gaussians"), N_("Checkerboard"),
                                             N_("Concentric rings"), N_("Painted by you"), N_("VAE latent plane"),
                                             N_("Fashion-MNIST images"), NULL };

static void page_iface_init (GbPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GbDiffusionPage, gb_diffusion_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (GB_TYPE_PAGE, page_iface_init))

enum { PROP_0, PROP_PROCESS, N_PROPS };
static GParamSpec *props[N_PROPS];

static void ensure_tick (GbDiffusionPage *self);

static void
message (GbDiffusionPage *self, const char *text)
{
  gb_page_message (GB_PAGE (self), text);
}

/* --- the view at t --- */

/* The view on show at self->t; the image predictions computed at once when sync (exports). */
void
gb_diffusion_page_show (GbDiffusionPage *self, gboolean sync)
{
  if (self->domain == IMAGE_DOMAIN)
    gb_diffusion_image_view_show (self->image_view, self->net, self->sampling.run, self->reverse, self->t,
                                  gtk_spin_button_get_value (self->guidance), sync);
  else
    gb_diffusion_cloud_view_show (self->cloud_view, self->net, self->sampling.run, self->reverse, self->t);
}

void
gb_diffusion_page_update_view (GbDiffusionPage *self)
{
  gb_diffusion_page_show (self, FALSE);
  gtk_widget_queue_draw (GTK_WIDGET (self->schedule_area));
}

/* Moves the timeline to t; what it shows follows (timeline_t_cb). */
static void
set_t (GbDiffusionPage *self, int t)
{
  gb_diffusion_timeline_set_t (self->timeline, t);
}

static void
timeline_t_cb (GbDiffusionTimeline *timeline, GParamSpec *pspec, GbDiffusionPage *self)
{
  self->t = gb_diffusion_timeline_get_t (timeline);
  gb_diffusion_page_update_view (self);
}

static void
guidance_changed_cb (GtkSpinButton *spin, GbDiffusionPage *self)
{
  gb_diffusion_page_update_view (self);
}

/* Forward (0) or reverse (1): the diffusion.process action. */
static void
set_process (GbDiffusionPage *self, gboolean reverse)
{
  if (reverse == self->reverse)
    return;
  self->reverse = reverse;
  gb_diffusion_timeline_set_reverse (self->timeline, reverse);
  if (reverse && self->sampling.run == NULL)
    message (self, _("Press Sample to run the reverse process; the timeline then scrubs its steps"));
  gb_diffusion_page_update_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROCESS]);
}

/* ← → step t (Shift: by 10); in the reverse process, one recorded step at a time. */
static gboolean
key_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state, GbDiffusionPage *self)
{
  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK) || gb_diffusion_page_schedule (self) == NULL
      || (keyval != GDK_KEY_Left && keyval != GDK_KEY_Right))
    return FALSE;
  int step = state & GDK_SHIFT_MASK ? 10 : 1, dir = keyval == GDK_KEY_Right ? 1 : -1;
  GbSampleRun *run = self->sampling.run;
  if (self->reverse && run != NULL && run->K < gb_diffusion_page_schedule (self)->T)
    {
      int j = CLAMP (gb_sample_run_index (run, self->t, run->K) - dir * step, 0, run->K);
      set_t (self, gb_sample_run_t (run, j));
    }
  else
    set_t (self, self->t + dir * step);
  return TRUE;
}

/* --- models --- */

static void
show_model (GbDiffusionPage *self)
{
  const GbSchedule *s = gb_diffusion_page_schedule (self);
  g_autofree char *text = NULL;
  if (self->net == NULL)
    text = g_strdup (self->domain == IMAGE_DOMAIN ? _("No image model: open one made by `glassbox train diffusion "
                                                    "--data fashion-mnist` (Ctrl+O).")
                                                  : _("No model for this domain yet: press Train (a few seconds)."));
  else
    text = self->net->unet != NULL
             ? g_strdup_printf (_("U-Net %d-%d-%d channels (%.2f M parameters)%s, %s schedule, T = %d"),
                                self->net->hidden, 2 * self->net->hidden, 2 * self->net->hidden,
                                self->net->n_params / 1e6,
                                self->net->unet->classes > 0
                                  ? _("; samples the ten classes in turn with classifier-free guidance w (a "
                                    "noised test image's ε̂ and x̂₀: without a class)")
                                  : "",
                                gb_schedule_kind_name (s->kind), s->T)
             : g_strdup_printf (_("MLP %d-%d-%d-%d, %s schedule, T = %d"), self->net->d, self->net->hidden,
                                self->net->hidden, self->net->d, gb_schedule_kind_name (s->kind), s->T);
  gtk_label_set_text (self->model_label, text);
  /* Image models train for minutes on both cores: the command line's job. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "diffusion.train", self->domain != IMAGE_DOMAIN || self->train != NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->train_button),
                               self->domain == IMAGE_DOMAIN
                                 ? _("The image model trains for minutes: `glassbox train diffusion --data fashion-mnist` "
                                   "makes one, Open loads it")
                                 : _("Train a model of this domain live; again to stop"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "diffusion.sample", self->net != NULL);
  gb_diffusion_timeline_set_schedule (self->timeline, s);
  if (s != NULL)
    {
      self->updating = TRUE;
      gtk_spin_button_set_range (self->ddim_steps, 1, s->T);
      self->updating = FALSE;
    }
}

/* Lets go of the sampling run on show (its task lets go of it when the sampler has stopped). */
static void
clear_run (GbDiffusionPage *self)
{
  /* The views' workers may be reading the model that is about to change. */
  gb_diffusion_image_view_forget (self->image_view);
  if (self->sampling.run != NULL)
    {
      g_cancellable_cancel (self->sampling.cancel);
      g_clear_object (&self->sampling.cancel);
      g_clear_pointer (&self->sampling.run, gb_sample_run_unref);
    }
  gb_diffusion_cloud_view_show (self->cloud_view, NULL, NULL, FALSE, 0);
}

static GbVae *
shipped_vae (GbDiffusionPage *self, GError **error)
{
  if (self->vae == NULL)
    self->vae = gb_shipped_vae_load (error);
  return self->vae;
}

/* The data of a domain, into its view. */
static void
load_data (GbDiffusionPage *self, int domain)
{
  g_autoptr (GError) error = NULL;
  if (domain == IMAGE_DOMAIN)
    gb_diffusion_image_view_load_data (self->image_view, &error);
  else if (domain == LATENT_DOMAIN)
    {
      GbVae *vae = shipped_vae (self, &error);
      if (vae != NULL)
        gb_diffusion_cloud_view_set_data (self->cloud_view, GB_TOY_N_KINDS, vae, &error);
    }
  else
    gb_diffusion_cloud_view_set_data (self->cloud_view, (GbToyKind) domain, NULL, &error);
  if (error != NULL)
    message (self, error->message);
}

static void
load_shipped (GbDiffusionPage *self, int domain)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_resources_lookup_data (domain == LATENT_DOMAIN ? GB_SHIPPED_LATENT_DIFFUSION_RESOURCE
                                                                              : GB_SHIPPED_IMAGE_DIFFUSION_RESOURCE,
                                                      G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes != NULL)
    self->models[domain] = gb_denoiser_load_bytes (bytes, domain == LATENT_DOMAIN ? "shipped latent-diffusion"
                                                                                  : "shipped image-diffusion", &error);
  if (error != NULL)
    message (self, error->message);
}

static void
set_domain (GbDiffusionPage *self, int domain)
{
  clear_run (self);
  self->domain = domain;
  if ((domain == LATENT_DOMAIN || domain == IMAGE_DOMAIN) && self->models[domain] == NULL)
    load_shipped (self, domain);
  self->net = self->models[domain];
  if (domain == IMAGE_DOMAIN && self->net != NULL && self->net != self->guidance_net)
    {
      /* a new image model: its own default (kept while the user moves between domains) */
      self->guidance_net = self->net;
      self->updating = TRUE;
      gtk_spin_button_set_value (self->guidance, gb_denoiser_default_guidance (self->net));
      self->updating = FALSE;
    }
  load_data (self, domain);
  gtk_stack_set_visible_child (self->views, domain == IMAGE_DOMAIN ? GTK_WIDGET (self->image_view)
                                                                   : GTK_WIDGET (self->cloud_view));
  gtk_widget_set_visible (self->paint_toggle, domain == GB_TOY_PAINTED);
  gtk_widget_set_visible (self->clear_paint, domain == GB_TOY_PAINTED);
  gtk_widget_set_visible (GTK_WIDGET (self->field_check), domain != IMAGE_DOMAIN);
  gtk_widget_set_visible (GTK_WIDGET (self->clip_check), domain == IMAGE_DOMAIN);
  gtk_widget_set_visible (self->guidance_grid, domain == IMAGE_DOMAIN);
  gtk_widget_queue_draw (GTK_WIDGET (self->loss_area));
  gtk_label_set_text (self->view_hint, domain == IMAGE_DOMAIN
                                         ? _("Click an image for its x_t, ε̂ and x̂₀; hover a pixel for its numbers; "
                                           "← → step t (Shift: by 10).")
                                         : _("Click points to follow their trajectories (Esc clears); ← → step t "
                                           "(Shift: by 10)."));
  self->reverse = FALSE;
  gb_diffusion_timeline_set_reverse (self->timeline, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROCESS]);
  show_model (self);
  set_t (self, gb_diffusion_page_schedule (self) ? gb_diffusion_page_schedule (self)->T / 4 : 0);
}

static void
domain_changed_cb (GtkDropDown *drop, GParamSpec *pspec, GbDiffusionPage *self)
{
  if (!self->updating)
    set_domain (self, (int) gtk_drop_down_get_selected (drop));
}

/* Shows domain, as if the user had chosen it. */
static void
select_domain (GbDiffusionPage *self, int domain)
{
  self->updating = TRUE;
  gtk_drop_down_set_selected (self->domain_drop, domain);
  self->updating = FALSE;
  set_domain (self, domain);
}

/* --- training --- */

/* Ends the run on show: stops it (the current step's time), keeps what it
 * learnt if keep, and says so. The job's own end comes to train_done_cb. */
static void
finish_training (GbDiffusionPage *self, gboolean keep)
{
  TrainJob *j = g_steal_pointer (&self->train);
  g_cancellable_cancel (j->cancel);
  gb_diffusion_job_wait (j->job);
  g_array_set_size (self->losses, 0);
  gb_diffusion_job_copy_losses (j->job, 0, self->losses);
  int done = gb_diffusion_job_get_done (j->job, NULL);
  g_autoptr (GbDenoiser) net = gb_diffusion_job_steal_model (j->job);
  if (keep && done > 0 && net != NULL)
    {
      int domain = j->domain;
      if (self->models[domain] != NULL && self->models[domain] == self->net)
        clear_run (self);
      gb_denoiser_free (self->models[domain]);
      self->models[domain] = g_steal_pointer (&net);
      self->unsaved[domain] = TRUE;
      g_clear_pointer (&self->model_path[domain], g_free);
      if (domain == self->domain)
        {
          self->net = self->models[domain];
          show_model (self);
          set_t (self, self->t);
        }
    }
  g_autofree char *body = g_strdup_printf (_("%d training steps on the %s"), done, _(domain_titles[j->domain]));
  gb_long_run_end (&self->long_run, GTK_WIDGET (self), keep ? _("The diffusion model has finished training") : NULL,
                   body);
  g_signal_handlers_disconnect_by_data (j->job, self);
  g_object_unref (j->job);
  g_object_unref (j->cancel);
  g_free (j);
  gtk_button_set_label (self->train_button, _("_Train"));
  show_model (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->loss_area));
}

static void
train_progress_cb (GbDiffusionJob *job, GbDiffusionPage *self)
{
  if (self->train == NULL || self->train->job != job)
    return;
  gtk_progress_bar_set_fraction (self->progress, (double) gb_diffusion_job_get_done (job, NULL) / self->train->steps);
  gb_diffusion_job_copy_losses (job, self->losses->len, self->losses);
  gtk_widget_queue_draw (GTK_WIDGET (self->loss_area));
}

static void
train_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GbDiffusionPage) self = data;   /* the task's reference */
  GbDiffusionJob *job = GB_DIFFUSION_JOB (source);
  g_autoptr (GError) error = NULL;
  gboolean ok = gb_diffusion_job_run_finish (job, result, &error);
  gboolean ours = self->train != NULL && self->train->job == job;
  if (ours)
    finish_training (self, TRUE);   /* the weights before a diverged step are kept too */
  if (!ok && ours)
    message (self, error->message);
}

/* What the model of the domain on show trains on. FALSE (and says why) when there is nothing. */
static gboolean
training_data (GbDiffusionPage *self, GbDiffusionData *data)
{
  *data = (GbDiffusionData) { .toy = self->domain < GB_TOY_N_KINDS ? (GbToyKind) self->domain : GB_TOY_N_KINDS,
                              .jitter = 0.05f };
  g_autoptr (GError) error = NULL;
  if (self->domain == LATENT_DOMAIN)
    {
      GbVae *vae = shipped_vae (self, &error);
      if (vae == NULL)
        {
          message (self, error->message);
          return FALSE;
        }
      data->vae = gb_vae_copy (vae);   /* the job encodes the training images on its worker */
    }
  if (self->domain == GB_TOY_PAINTED)
    {
      int n;
      const float *painted = gb_diffusion_cloud_view_get_painted (self->cloud_view, &n);
      if (n < 1)
        {
          message (self, _("The painted distribution has no points: turn on Paint and drag over the canvas"));
          return FALSE;
        }
      data->n_points = n;
      data->points = g_memdup2 (painted, (gsize) n * 2 * sizeof (float));
    }
  return TRUE;
}

static void
train_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (widget);
  if (self->train != NULL)
    {
      finish_training (self, TRUE);   /* stop: keep what it learnt so far */
      return;
    }
  GbDiffusionData data;
  if (self->domain == IMAGE_DOMAIN || !training_data (self, &data))
    return;
  GbDiffusionJobConfig config;
  gb_diffusion_job_config_init (&config);
  /* A step size that decays over the run: quick progress, then refinement. */
  config.steps = gtk_spin_button_get_value_as_int (self->train_steps);
  config.batch = 256, config.lr = 2e-3, config.cosine_lr = TRUE;
  config.seed = (guint64) gtk_spin_button_get_value (self->seed);
  g_autoptr (GError) error = NULL;
  GbScheduleKind kind = gtk_drop_down_get_selected (self->schedule_drop) == 1 ? GB_SCHEDULE_COSINE : GB_SCHEDULE_LINEAR;
  GbDenoiser *net = gb_denoiser_new_mlp (2, 128, kind, gtk_spin_button_get_value_as_int (self->T_spin), config.seed,
                                         &error);
  if (net == NULL)
    {
      message (self, error->message);
      g_free (data.points);
      g_clear_pointer (&data.vae, gb_vae_free);
      return;
    }
  net->data = g_strdup (self->domain == LATENT_DOMAIN ? "latent" : gb_toy_name (data.toy));
  GbDiffusionJob *job = gb_diffusion_job_new (net, &data, &config, &error);
  if (job == NULL)
    {
      message (self, error->message);
      return;
    }
  TrainJob *j = g_new0 (TrainJob, 1);
  j->job = job;
  j->cancel = g_cancellable_new ();
  j->domain = self->domain;
  j->steps = config.steps;
  self->train = j;
  g_array_set_size (self->losses, 0);
  g_signal_connect (job, "progress", G_CALLBACK (train_progress_cb), self);
  gb_diffusion_job_run_async (job, j->cancel, train_done_cb, g_object_ref (self));
  gb_long_run_begin (&self->long_run, GTK_WIDGET (self), _("training a diffusion model"));
  gtk_button_set_label (self->train_button, _("Stop _training"));
}

/* --- sampling --- */

static void
sample_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GbDiffusionPage) self = data;   /* the task's reference */
  GbSampleRun *run;
  g_autoptr (GError) error = NULL;
  gboolean ok = gb_sample_run_finish (result, &run, &error);
  if (run != self->sampling.run)
    return;   /* a run the page has let go of */
  self->sampling.finished = TRUE;
  if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    message (self, error->message);
  gtk_progress_bar_set_fraction (self->progress, (double) gb_sample_run_done (run) / run->K);
  set_t (self, 0);
}

static void
sample_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (widget);
  if (self->net == NULL)
    return;
  GbSamplerConfig c;
  gb_sampler_config_init (&c);
  c.kind = gtk_drop_down_get_selected (self->sampler_drop) == 1 ? GB_SAMPLER_DDIM : GB_SAMPLER_DDPM;
  c.steps = gtk_spin_button_get_value_as_int (self->ddim_steps);
  c.eta = gtk_spin_button_get_value (self->eta);
  c.sigma_tilde = gtk_check_button_get_active (self->sigma_tilde);
  c.seed = (guint64) gtk_spin_button_get_value (self->seed);
  gboolean images = self->domain == IMAGE_DOMAIN;
  /* Images live in [−1, 1]: x̂₀ may be clipped at each step, as Ho et al. do. */
  c.clip_x0 = images && gtk_check_button_get_active (self->clip_check);
  /* Every state (1 000 steps of 16 images: 50 MB); the images' ε̂ and x̂₀
   * are recomputed for the one on show rather than kept for all. */
  g_autoptr (GError) error = NULL;
  GbSampleRun *run = gb_sample_run_new (self->net, &c, gtk_spin_button_get_value (self->guidance),
                                        images ? GB_DIFFUSION_IMAGES : GB_CLOUD_POINTS, !images, &error);
  if (run == NULL)
    {
      message (self, error->message);
      return;
    }
  clear_run (self);
  self->sampling = (Sampling) { run, g_cancellable_new (), FALSE };
  gb_sample_run_async (run, self->sampling.cancel, sample_done_cb, g_object_ref (self));
  set_process (self, TRUE);
  set_t (self, self->net->schedule->T);
  ensure_tick (self);
}

/* --- playing and the frame clock --- */

/* Follows the sampler live; its end comes to sample_done_cb. */
static gboolean
tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (widget);
  if (!gb_diffusion_page_sampling (self))
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  GbSampleRun *run = self->sampling.run;
  int done = gb_sample_run_done (run);
  gtk_progress_bar_set_fraction (self->progress, (double) done / run->K);
  if (!gb_diffusion_timeline_get_playing (self->timeline))
    set_t (self, done < run->K ? run->ts[MAX (done - 1, 0)] : 0);
  return G_SOURCE_CONTINUE;
}

static void
ensure_tick (GbDiffusionPage *self)
{
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

/* --- drawing --- */

static void
paint_loss (cairo_t *cr, int w, int h, GbDiffusionPage *self, const GbPalette *pal)
{
  int n = (int) self->losses->len;
  g_autofree double *avg = g_new (double, MAX (n, 1));
  gb_moving_average ((const double *) self->losses->data, n, 50, avg);
  GbSeries s[2] = {
    { .y = (const double *) self->losses->data, .n = n, .x0 = 1, .dx = 1, .color = pal->classes[4],
      .alpha = 0.5, .width = 1 },
    { .y = avg, .n = n, .x0 = 1, .dx = 1, .color = pal->classes[1], .width = 2, .label = _("average of 50") },
  };
  GbSeriesPlot p = { _("Training loss ‖ε − ε̂‖²"), "step", s, 2, TRUE,
                     self->domain == IMAGE_DOMAIN ? _("image models train on the command line (see the Train button)")
                                                  : _("press Train to watch the loss fall") };
  gb_series_plot_paint (cr, 0, 0, w, h, &p, pal);
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbDiffusionPage *self = data;
  gint64 start = g_get_monotonic_time ();
  GbPalette pal;
  gb_form_palette (GTK_WIDGET (self), &pal);
  if (area == self->schedule_area)
    gb_diffusion_schedule_paint (cr, w, h, gb_diffusion_page_schedule (self), self->t, &pal);
  else
    paint_loss (cr, w, h, self, &pal);
  gb_frame_stats_drew (self->stats, (g_get_monotonic_time () - start) / 1000.0);
}

static void
clear_paint_action (GtkWidget *widget, const char *name, GVariant *param)
{
  gb_diffusion_cloud_view_clear_painted (GB_DIFFUSION_PAGE (widget)->cloud_view);
}

/* --- files --- */

/* The domain a model of d-dimensional data trained on `data` belongs to. */
static int
domain_of (int d, const char *data)
{
  GbToyKind kind;
  return d == IMAGE_D ? IMAGE_DOMAIN
       : g_strcmp0 (data, "latent") == 0 ? LATENT_DOMAIN
       : gb_toy_parse (data, &kind) ? (int) kind : GB_TOY_PAINTED;
}

static gboolean
gb_diffusion_page_has_unsaved (GbPage *page)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (page);
  for (int k = 0; k < N_DOMAINS; k++)
    if (self->unsaved[k])
      return TRUE;
  return self->train != NULL;
}

static gboolean
gb_diffusion_page_open_replaces_unsaved (GbPage *page, const char *path)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (page);
  g_autoptr (GbSafetensors) st = gb_safetensors_load (path, NULL);
  const char *d = st ? gb_safetensors_get_metadata (st, "d") : NULL;
  if (d == NULL)
    return FALSE;   /* not a model this page opens: it will say so, and replace nothing */
  int domain = domain_of ((int) g_ascii_strtoll (d, NULL, 10), gb_safetensors_get_metadata (st, "data"));
  return self->unsaved[domain] || self->train != NULL;   /* opening stops the training */
}

static void
gb_diffusion_page_show_unsaved (GbPage *page)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (page);
  if (self->train != NULL)
    finish_training (self, TRUE);   /* keep what it learnt so far */
  int domain = self->unsaved[self->domain] ? self->domain : -1;
  for (int k = 0; domain < 0 && k < N_DOMAINS; k++)
    if (self->unsaved[k])
      domain = k;
  if (domain >= 0 && domain != self->domain)
    select_domain (self, domain);
}

static gboolean
gb_diffusion_page_open (GbPage *page, const char *path, GError **error)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (page);
  GbDenoiser *net = gb_denoiser_load (path, error);
  if (net == NULL)
    return FALSE;
  if (net->d != 2 && net->d != IMAGE_D)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE,
                   _("%s: a model of %d-dimensional data; this page shows 2-d models and 28 × 28 images"), path, net->d);
      gb_denoiser_free (net);
      return FALSE;
    }
  int domain = domain_of (net->d, net->data);
  if (self->train != NULL)
    finish_training (self, FALSE);
  clear_run (self);
  gb_denoiser_free (self->models[domain]);
  self->models[domain] = net;
  self->unsaved[domain] = FALSE;
  g_free (self->model_path[domain]);
  self->model_path[domain] = g_canonicalize_filename (path, NULL);
  select_domain (self, domain);
  return TRUE;
}

static gboolean
gb_diffusion_page_save (GbPage *page, const char *path, GError **error)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (page);
  if (self->net == NULL)
    {
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("there is no model to save: train one first"));
      return FALSE;
    }
  if (!gb_denoiser_save (self->net, path, error))
    return FALSE;
  self->unsaved[self->domain] = FALSE;
  g_free (self->model_path[self->domain]);
  self->model_path[self->domain] = g_canonicalize_filename (path, NULL);
  return TRUE;
}

static void
gb_diffusion_page_stop (GbPage *page)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (page);
  gb_diffusion_timeline_set_playing (self->timeline, FALSE);
  if (self->train != NULL)
    finish_training (self, FALSE);
  clear_run (self);
}

static void
page_files (GbPage *page, GbPageFileKind kind, GbPageFiles *out)
{
  if (kind == GB_PAGE_EXPORT)
    gb_page_files_export (out, "diffusion.png", TRUE);
  else
    gb_page_files_model (out, kind, "diffusion.safetensors");
}

static const char *
page_unsaved_name (GbPage *page)
{
  return _("the diffusion model");
}

static const char *
page_help_topic (GbPage *page)
{
  return "diffusion";
}

static void
page_iface_init (GbPageInterface *iface)
{
  iface->help_topic = page_help_topic;
  iface->table = gb_diffusion_page_table;
  iface->apply_lesson = gb_diffusion_page_apply_lesson;
  iface->save_lesson = gb_diffusion_page_save_lesson;
  iface->end_lesson = gb_diffusion_page_end_lesson;
  iface->open = gb_diffusion_page_open;
  iface->save = gb_diffusion_page_save;
  iface->export = gb_diffusion_page_export;
  iface->files = page_files;
  iface->stop = gb_diffusion_page_stop;
  iface->has_unsaved = gb_diffusion_page_has_unsaved;
  iface->open_replaces_unsaved = gb_diffusion_page_open_replaces_unsaved;
  iface->unsaved_name = page_unsaved_name;
  iface->show_unsaved = gb_diffusion_page_show_unsaved;
}

/* --- the object --- */

static void
gb_diffusion_page_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  g_value_set_int (value, GB_DIFFUSION_PAGE (object)->reverse);
}

static void
gb_diffusion_page_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  set_process (GB_DIFFUSION_PAGE (object), g_value_get_int (value) != 0);
}

static void
gb_diffusion_page_realize (GtkWidget *widget)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (widget);
  GTK_WIDGET_CLASS (gb_diffusion_page_parent_class)->realize (widget);
  gb_frame_stats_attach (self->stats, widget);
}

static void
gb_diffusion_page_unrealize (GtkWidget *widget)
{
  gb_frame_stats_detach (GB_DIFFUSION_PAGE (widget)->stats);
  GTK_WIDGET_CLASS (gb_diffusion_page_parent_class)->unrealize (widget);
}

/* Remembered as the latent page's settings are: the domain, what a model
 * trained here is, the sampler and its settings, the seed, the view. */
static void
bind_settings (GbDiffusionPage *self)
{
  static const char *const domains[] = { "swiss-roll", "moons", "8-gaussians", "checkerboard", "rings", "painted",
                                         "latent", "fashion-mnist" };
  static const char *const schedules[] = { "linear", "cosine" }, *const samplers[] = { "ddpm", "ddim" };
  G_STATIC_ASSERT (G_N_ELEMENTS (domains) == N_DOMAINS);
  GSettings *s = self->settings = gb_settings_new ();
  gb_settings_bind_spin (s, "diffusion-train-steps", self->train_steps);
  gb_settings_bind_spin (s, "diffusion-noise-steps", self->T_spin);
  gb_settings_bind_spin (s, "diffusion-guidance", self->guidance);
  gb_settings_bind_spin (s, "diffusion-ddim-steps", self->ddim_steps);
  gb_settings_bind_spin (s, "diffusion-eta", self->eta);
  gb_settings_bind_spin (s, "diffusion-seed", self->seed);
  gb_settings_bind_spin (s, "diffusion-play-speed", gb_diffusion_timeline_speed_button (self->timeline));
  g_settings_bind (s, "diffusion-sigma-tilde", self->sigma_tilde, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (s, "diffusion-clip", self->clip_check, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (s, "diffusion-field", self->field_check, "active", G_SETTINGS_BIND_DEFAULT);
  gb_settings_bind_drop (s, "diffusion-schedule", self->schedule_drop, schedules, 2);
  gb_settings_bind_drop (s, "diffusion-sampler", self->sampler_drop, samplers, 2);
  gb_settings_bind_drop (s, "diffusion-domain", self->domain_drop, domains, G_N_ELEMENTS (domains));
}

static void
gb_diffusion_page_dispose (GObject *object)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (object);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->lesson_hidden, g_ptr_array_unref);
  if (self->image_view != NULL)
    {
      gb_diffusion_page_stop (GB_PAGE (self));
      gb_diffusion_cloud_view_set_frame_stats (self->cloud_view, NULL);
      gb_diffusion_image_view_set_frame_stats (self->image_view, NULL);
    }
  gb_frame_stats_print (self->stats, NULL, NULL);
  g_clear_pointer (&self->stats, gb_frame_stats_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), GB_TYPE_DIFFUSION_PAGE);
  self->image_view = NULL;
  self->cloud_view = NULL;
  G_OBJECT_CLASS (gb_diffusion_page_parent_class)->dispose (object);
}

static void
gb_diffusion_page_finalize (GObject *object)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (object);
  for (int k = 0; k < N_DOMAINS; k++)
    gb_denoiser_free (self->models[k]), g_free (self->model_path[k]);
  g_array_unref (self->losses);
  g_clear_pointer (&self->vae, gb_vae_free);
  G_OBJECT_CLASS (gb_diffusion_page_parent_class)->finalize (object);
}

static void
gb_diffusion_page_class_init (GbDiffusionPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->get_property = gb_diffusion_page_get_property;
  object_class->set_property = gb_diffusion_page_set_property;
  object_class->dispose = gb_diffusion_page_dispose;
  object_class->finalize = gb_diffusion_page_finalize;
  widget_class->realize = gb_diffusion_page_realize;
  widget_class->unrealize = gb_diffusion_page_unrealize;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  /* 0: the forward process, 1: the reverse (the sampler's run) */
  props[PROP_PROCESS] = g_param_spec_int ("process", NULL, NULL, 0, 1, 0, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);

  g_type_ensure (GB_TYPE_DIFFUSION_CLOUD_VIEW);
  g_type_ensure (GB_TYPE_DIFFUSION_IMAGE_VIEW);
  g_type_ensure (GB_TYPE_DIFFUSION_TIMELINE);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-diffusion-page.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, GbDiffusionPage, name)
  CHILD (domain_drop), CHILD (sampler_drop), CHILD (schedule_drop), CHILD (sample_button);
  CHILD (train_steps), CHILD (T_spin), CHILD (seed), CHILD (ddim_steps), CHILD (eta), CHILD (guidance);
  CHILD (sigma_tilde), CHILD (field_check), CHILD (clip_check), CHILD (guidance_grid), CHILD (paint_toggle);
  CHILD (clear_paint), CHILD (train_button), CHILD (progress), CHILD (model_label), CHILD (view_hint);
  CHILD (timeline), CHILD (views), CHILD (cloud_view), CHILD (image_view), CHILD (schedule_area), CHILD (loss_area);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, domain_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, timeline_t_cb);
  gtk_widget_class_bind_template_callback (widget_class, guidance_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_cb);

  gtk_widget_class_set_css_name (widget_class, "diffusionpage");
  gtk_widget_class_install_action (widget_class, "diffusion.train", NULL, train_action);
  gtk_widget_class_install_action (widget_class, "diffusion.sample", NULL, sample_action);
  gtk_widget_class_install_action (widget_class, "diffusion.clear-paint", NULL, clear_paint_action);
  gtk_widget_class_install_property_action (widget_class, "diffusion.process", "process");
}

static void
gb_diffusion_page_init (GbDiffusionPage *self)
{
  self->losses = g_array_new (FALSE, FALSE, sizeof (double));
  self->lesson_hidden = g_ptr_array_new_with_free_func (g_object_unref);
  self->stats = gb_frame_stats_new ("diffusion-frame-stats", "frames", "canvases' drawing");
  self->updating = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->updating = FALSE;
  gb_diffusion_cloud_view_set_frame_stats (self->cloud_view, self->stats);
  gb_diffusion_image_view_set_frame_stats (self->image_view, self->stats);
  gtk_drawing_area_set_draw_func (self->schedule_area, draw_cb, self, NULL);
  gtk_drawing_area_set_draw_func (self->loss_area, draw_cb, self, NULL);
  set_domain (self, GB_TOY_SWISS_ROLL);
  bind_settings (self);
}
