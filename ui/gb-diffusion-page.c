/* gb-diffusion-page.c — the Diffusion page.
 *
 * The page shows one domain at a time: a 2-d toy distribution (or one the
 * user paints), the shipped VAE's latent plane, or Fashion-MNIST images (a
 * grid of images at t and the selected one's x_t, ε̂ and x̂₀). Its model (an MLP
 * ε-predictor) trains live on a worker thread; Sample runs the DDPM or DDIM
 * sampler on another, recording every step into the page's buffers, so the
 * view follows it live and the timeline then scrubs the whole trajectory
 * with no recomputation. The forward process is computed in closed form for
 * the scrubbed t from one fixed noise draw, so it changes continuously.
 */
#include "gb-diffusion-page.h"
#include "gb-page.h"

#include <math.h>
#include <string.h>

#include "gb-dataset.h"
#include "gb-diffusion-denoiser.h"
#include "gb-diffusion-job.h"
#include "gb-diffusion-predictor.h"
#include "gb-safetensors.h"
#include "gb-diffusion-paint.h"
#include "gb-error.h"
#include "gb-vae-latent.h"
#include "gb-export.h"
#include "gb-form.h"
#include "gb-frame-stats.h"
#include "gb-gif.h"
#include "gb-long-run.h"
#include "gb-models.h"
#include "gb-series-paint.h"
#include "gb-diffusion-toy2d.h"

#define N_POINTS 2000
#define FIELD_SIDE 21
#define EXTENT 3.0
#define MAX_SELECTED 4
#define LATENT_DOMAIN GB_TOY_N_KINDS   /* the domains: the toys (painted included), latent, images */
#define IMAGE_DOMAIN (LATENT_DOMAIN + 1)
#define N_DOMAINS (IMAGE_DOMAIN + 1)
#define N_IMAGES 16
#define IMAGE_D (28 * 28)

static const char *const domain_titles[] = { "Swiss roll", "Two moons", "Eight Gaussians", "Checkerboard",
                                             "Concentric rings", "Painted by you", "VAE latent plane",
                                             "Fashion-MNIST images", NULL };

/* A training run on its worker (GbDiffusionJob), and what the page needs of it. */
typedef struct {
  GbDiffusionJob *job;
  GCancellable *cancel;
  int domain;                   /* the model it trains */
  int steps;
} TrainJob;

/* A sampling run: shared (g_atomic_rc_box) by the page, which draws it as it
 * fills, and its task on a worker, which fills it. */
typedef struct {
  GbDenoiser *net;              /* owned copy */
  GbSamplerConfig config;
  int n, d, K;
  int *ts;                      /* (K) */
  float *xs, *eps, *x0;         /* (K + 1, n, d), (K, n, d), (K, n, d); images keep xs only */
  gint done;                    /* steps recorded so far (atomic) */
  gboolean finished;            /* the task has ended (main thread) */
  GCancellable *cancel;
} SampleRun;

struct _GbDiffusionPage {
  GtkBox parent_instance;

  GtkDropDown *domain_drop, *sampler_drop, *schedule_drop;
  GtkSpinButton *train_steps, *seed, *ddim_steps, *eta, *speed, *T_spin;
  GtkCheckButton *sigma_tilde, *field_check, *clip_check;
  GtkSpinButton *guidance;
  const GbDenoiser *guidance_net;   /* the image model the spin button was last set for */
  GtkWidget *guidance_grid;
  GtkToggleButton *forward_button, *reverse_button, *play_button, *paint_toggle;
  GtkButton *train_button, *sample_button, *clear_paint;
  GtkProgressBar *progress;
  GtkLabel *model_label, *t_label, *info_label, *view_hint;
  GtkScale *timeline;
  GtkDrawingArea *cloud_area, *side_area, *schedule_area, *loss_area;

  GbPalette pal;
  gboolean updating;

  int domain;
  GbDenoiser *models[N_DOMAINS];           /* per domain, or NULL */
  gboolean unsaved[N_DOMAINS];                /* models[k] was trained here and not saved */
  GbLongRun long_run;                         /* no suspend while training; a notification when done */
  GbDenoiser *net;                         /* models[domain] */
  float target[2 * N_POINTS];                 /* the data on show */
  guint8 target_labels[N_POINTS];             /* their classes (the latent plane) */
  gboolean have_target;
  float noise[2 * N_POINTS];                  /* the forward process's fixed ε */
  float shown[2 * N_POINTS];                  /* the cloud at t */
  GArray *painted;                            /* of float pairs */
  GbVae *vae;
  /* The image domain: N_IMAGES test images, their noise, the grid at t and
   * the selected image's predictions. */
  float *img_target, *img_noise, *img_shown;  /* (N_IMAGES, IMAGE_D) each */
  int img_selected, img_hover, img_hover_pixel;
  int img_t;                                  /* the t of the images on show (a recorded step's in reverse) */
  /* The selected image's x_t, ε̂ and x̂₀ at pred_t, computed by the predictor
   * (img_pred: there is an answer for this view to show; it may be one
   * request behind the grid while the user scrubs). */
  GbPredictor *predictor;
  float pred_x[IMAGE_D], img_eps[IMAGE_D], img_x0[IMAGE_D];
  int pred_t;
  gboolean img_pred, pred_wanted;
  guint64 pred_tag;                           /* the view the newest request was for */
  guint view_serial;                          /* bumped when the images on show change source */

  gboolean reverse;
  int t;
  SampleRun *run;
  TrainJob *train;
  gint stop;
  GArray *losses;                             /* the last training's, for the plot */

  int selected[MAX_SELECTED];
  int n_selected;
  int hover;
  float field[2 * FIELD_SIDE * FIELD_SIDE];
  gboolean field_valid;

  gboolean playing;
  double play_pos;
  guint tick_id;
  gint64 last_frame_us;

  GbFrameStats *stats;                        /* NULL unless GLASSBOX_FRAME_STATS */
};

static void page_iface_init (GbPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GbDiffusionPage, gb_diffusion_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (GB_TYPE_PAGE, page_iface_init))

static void update_view (GbDiffusionPage *self);
static void ensure_tick (GbDiffusionPage *self);

static void
message (GbDiffusionPage *self, const char *text)
{
  gb_page_message (GB_PAGE (self), text);
}

static const GbSchedule *
schedule (GbDiffusionPage *self)
{
  return self->net ? self->net->schedule : NULL;
}

/* --- the data of a domain --- */

static void
make_target (GbDiffusionPage *self)
{
  GbRng rng;
  gb_rng_init (&rng, 1000 + (guint64) self->domain);
  self->have_target = FALSE;
  if (self->domain == IMAGE_DOMAIN)
    {
      /* The first test images, scaled to [−1, 1] as the model was trained. */
      g_autoptr (GError) error = NULL;
      g_autoptr (GbImageSet) set = gb_dataset_load_split (gb_dataset_dir (NULL), "t10k", &error);
      if (set != NULL && set->rows * set->cols != IMAGE_D)
        g_set_error (&error, GB_ERROR, GB_ERROR_SHAPE, "the data set's images are %d × %d, not 28 × 28", set->rows,
                     set->cols);
      if (error != NULL)
        message (self, error->message);
      else
        {
          for (gsize k = 0; k < (gsize) N_IMAGES * IMAGE_D; k++)
            self->img_target[k] = set->pixels[k % ((gsize) set->n * IMAGE_D)] * (2.0f / 255.0f) - 1.0f;
          self->have_target = TRUE;
        }
      gb_rng_fill_normal (&rng, self->img_noise, (gsize) N_IMAGES * IMAGE_D);
      return;
    }
  if (self->domain == LATENT_DOMAIN)
    {
      /* The first 2 000 test images' codes: quick enough for the main loop. */
      g_autoptr (GError) error = NULL;
      int n = 0;
      g_autofree float *codes = NULL;
      if (self->vae == NULL)
        self->vae = gb_shipped_vae_load (&error);
      if (self->vae != NULL)
        codes = gb_vae_latent_codes (self->vae, gb_dataset_dir (NULL), "t10k", N_POINTS, &n, self->target_labels, &error);
      if (codes == NULL)
        message (self, error->message);
      else
        {
          for (int i = 0; i < N_POINTS; i++)
            {
              self->target[2 * i] = codes[2 * (i % n)], self->target[2 * i + 1] = codes[2 * (i % n) + 1];
              self->target_labels[i] = self->target_labels[i % n];
            }
          self->have_target = TRUE;
        }
    }
  else if (self->domain == GB_TOY_PAINTED)
    self->have_target = self->painted->len >= 2
                        && gb_toy_sample (GB_TOY_PAINTED, self->target, N_POINTS, &rng,
                                          (const float *) self->painted->data, (int) self->painted->len / 2, 0.05f, NULL);
  else
    self->have_target = gb_toy_sample ((GbToyKind) self->domain, self->target, N_POINTS, &rng, NULL, 0, 0, NULL);
  gb_rng_fill_normal (&rng, self->noise, 2 * N_POINTS);
}

/* --- the view at t --- */

/* The record index of the state at (or just below) t. */
static int
run_index (const SampleRun *r, int t, int done)
{
  int j = 0;
  while (j < done && (j < r->K ? r->ts[j] : 0) > t)
    j++;
  return j;
}

/* Which view a prediction belongs to: the image, the direction and the
 * source of the images (a run, the data), so that an answer for another one
 * is never shown. */
static guint64
view_tag (GbDiffusionPage *self)
{
  return ((guint64) self->view_serial << 16) | ((guint64) self->reverse << 15) | (guint64) (self->img_selected + 1);
}

/* The predictor's newest answer, in the main loop. */
static gboolean
prediction_ready_cb (gpointer data)
{
  GbDiffusionPage *self = data;
  guint64 tag;
  int t;
  if (!self->pred_wanted
      || !gb_predictor_answer (self->predictor, &tag, &t, self->pred_x, self->img_eps, self->img_x0, IMAGE_D)
      || tag != self->pred_tag)
    return G_SOURCE_REMOVE;
  self->pred_t = t;
  self->img_pred = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self->cloud_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->side_area));
  return G_SOURCE_REMOVE;
}

/* The images at self->t, without touching the widgets; the selected one's
 * predictions asked of the predictor, or computed here when sync (exports,
 * which paint at once). */
static void
recompute_images (GbDiffusionPage *self, gboolean sync)
{
  const GbSchedule *s = schedule (self);
  self->img_t = self->t;
  self->pred_wanted = FALSE;
  if (self->reverse && self->run != NULL)
    {
      int done = g_atomic_int_get (&self->run->done);
      int j = run_index (self->run, self->t, done);
      memcpy (self->img_shown, self->run->xs + (gsize) j * N_IMAGES * IMAGE_D, (gsize) N_IMAGES * IMAGE_D * sizeof (float));
      self->img_t = j < self->run->K ? self->run->ts[j] : 0;
    }
  else if (!self->reverse && self->have_target && s != NULL)
    gb_diffusion_q_sample (s, self->t, self->img_target, self->img_noise, self->img_shown, (gsize) N_IMAGES * IMAGE_D);
  else
    {
      self->img_pred = FALSE;
      return;
    }
  /* The selected image's predictions at its t: what the sampler used (or
   * would use) there, recomputed as the run keeps only the states. */
  int i = self->img_selected;
  guint64 tag = view_tag (self);
  if (tag != self->pred_tag)
    self->img_pred = FALSE;   /* an answer for another view is not shown, not even for a frame */
  self->pred_tag = tag;
  if (i < 0 || self->img_t <= 0 || self->net == NULL)
    {
      self->img_pred = FALSE;
      return;
    }
  const float *x = self->img_shown + (gsize) i * IMAGE_D;
  /* The guidance the run sampled with, or the one set. */
  double w = self->net->g_mean == NULL ? 1.0
           : self->reverse && self->run != NULL ? self->run->net->guidance
                                                : gtk_spin_button_get_value (self->guidance);
  /* What the sampler stepped from: x̂₀ clipped to [−1, 1] when the run clips. */
  gboolean clip = self->reverse && self->run->config.clip_x0;
  /* A class-conditional model's sampled image i had class i mod K (gb-diffusion-denoiser.h), and was
   * stepped with that class's guided ε̂; a noised test image is shown without a class. */
  int K = self->net->unet != NULL ? self->net->unet->classes : 0;
  int label = self->reverse && self->run != NULL && K > 0 ? i % K : -1;
  if (sync)
    {
      gb_predictor_sync (self->predictor);
      gb_predict_one (self->net, self->img_t, w, clip, label, x, self->img_eps, self->img_x0);
      memcpy (self->pred_x, x, sizeof self->pred_x);
      self->pred_t = self->img_t;
      self->img_pred = TRUE;
      return;
    }
  self->pred_wanted = TRUE;
  gb_predictor_request (self->predictor, self->net, self->img_t, w, clip, label, x, tag);
}

static void
recompute (GbDiffusionPage *self, gboolean sync)
{
  const GbSchedule *s = schedule (self);
  self->field_valid = FALSE;
  if (self->domain == IMAGE_DOMAIN)
    {
      recompute_images (self, sync);
      return;
    }
  if (s != NULL && self->t > 0 && gtk_check_button_get_active (self->field_check))
    {
      float grid[2 * FIELD_SIDE * FIELD_SIDE];
      gb_cloud_field_grid (FIELD_SIDE, EXTENT, grid);
      gb_denoiser_eps (self->field, grid, FIELD_SIDE * FIELD_SIDE, 2, self->t, self->net);
      self->field_valid = TRUE;
    }
  if (self->reverse && self->run != NULL)
    {
      int done = g_atomic_int_get (&self->run->done);
      int j = run_index (self->run, self->t, done);
      memcpy (self->shown, self->run->xs + (gsize) j * N_POINTS * 2, sizeof self->shown);
    }
  else if (!self->reverse && self->have_target && s != NULL)
    gb_diffusion_q_sample (s, self->t, self->target, self->noise, self->shown, 2 * N_POINTS);
}

static void
update_view (GbDiffusionPage *self)
{
  const GbSchedule *s = schedule (self);
  recompute (self, FALSE);
  char buf[160];
  if (s == NULL)
    g_snprintf (buf, sizeof buf, "t = %d", self->t);
  else if (self->t == 0)
    g_snprintf (buf, sizeof buf, "t = 0 / %d · data", s->T);
  else
    g_snprintf (buf, sizeof buf, "t = %d / %d · β %.2e · ᾱ %.4f · SNR %.3g", self->t, s->T, s->beta[self->t],
                s->alpha_bar[self->t], gb_schedule_snr (s, self->t));
  gtk_label_set_text (self->t_label, buf);
  gtk_widget_queue_draw (GTK_WIDGET (self->cloud_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->side_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->schedule_area));
}

static void
set_t (GbDiffusionPage *self, int t)
{
  const GbSchedule *s = schedule (self);
  t = CLAMP (t, 0, s ? s->T : 0);
  self->t = t;
  self->updating = TRUE;
  gtk_range_set_value (GTK_RANGE (self->timeline), t);
  self->updating = FALSE;
  update_view (self);
}

static void
timeline_changed_cb (GtkRange *range, GbDiffusionPage *self)
{
  if (self->updating)
    return;
  self->t = (int) round (gtk_range_get_value (range));
  update_view (self);
}

/* --- models --- */

static void
show_model (GbDiffusionPage *self)
{
  const GbSchedule *s = schedule (self);
  g_autofree char *text = NULL;
  if (self->net == NULL)
    text = g_strdup (self->domain == IMAGE_DOMAIN ? "No image model: open one made by `glassbox train diffusion "
                                                    "--data fashion-mnist` (Ctrl+O)."
                                                  : "No model for this domain yet: press Train (a few seconds).");
  else
    text = self->net->unet != NULL
             ? g_strdup_printf ("U-Net %d-%d-%d channels (%.2f M parameters)%s, %s schedule, T = %d",
                                self->net->hidden, 2 * self->net->hidden, 2 * self->net->hidden,
                                self->net->n_params / 1e6,
                                self->net->unet->classes > 0
                                  ? "; samples the ten classes in turn with classifier-free guidance w (a "
                                    "noised test image's ε̂ and x̂₀: without a class)"
                                  : "",
                                gb_schedule_kind_name (s->kind), s->T)
             : g_strdup_printf ("MLP %d-%d-%d-%d, %s schedule, T = %d", self->net->d, self->net->hidden,
                                self->net->hidden, self->net->d, gb_schedule_kind_name (s->kind), s->T);
  gtk_label_set_text (self->model_label, text);
  /* Image models train for minutes on both cores: the command line's job. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "diffusion.train", self->domain != IMAGE_DOMAIN || self->train != NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->train_button),
                               self->domain == IMAGE_DOMAIN
                                 ? "The image model trains for minutes: `glassbox train diffusion --data fashion-mnist` "
                                   "makes one, Open loads it"
                                 : "Train a model of this domain live; again to stop");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "diffusion.sample", self->net != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->timeline), self->net != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->play_button), self->net != NULL);
  if (s != NULL)
    {
      self->updating = TRUE;
      gtk_range_set_range (GTK_RANGE (self->timeline), 0, s->T);
      gtk_spin_button_set_range (self->ddim_steps, 1, s->T);
      self->updating = FALSE;
    }
}

static void
sample_run_clear (SampleRun *r)
{
  g_clear_object (&r->cancel);
  gb_denoiser_free (r->net);
  g_free (r->ts), g_free (r->xs), g_free (r->eps), g_free (r->x0);
}

static void
sample_run_release (gpointer r)
{
  g_atomic_rc_box_release_full (r, (GDestroyNotify) sample_run_clear);
}

static gboolean
sampling (GbDiffusionPage *self)
{
  return self->run != NULL && !self->run->finished;
}

static void
clear_run (GbDiffusionPage *self)
{
  /* The predictor may be reading the model that is about to change. */
  if (self->predictor != NULL)
    gb_predictor_sync (self->predictor);
  self->view_serial++;
  if (self->run != NULL)
    {
      g_cancellable_cancel (self->run->cancel);   /* its task lets go of it when the sampler has stopped */
      g_atomic_rc_box_release_full (g_steal_pointer (&self->run), (GDestroyNotify) sample_run_clear);
    }
  self->n_selected = 0;
}

static void
set_domain (GbDiffusionPage *self, int domain)
{
  clear_run (self);
  self->domain = domain;
  self->net = self->models[domain];
  if ((domain == LATENT_DOMAIN || domain == IMAGE_DOMAIN) && self->net == NULL)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) bytes = g_resources_lookup_data (domain == LATENT_DOMAIN ? GB_SHIPPED_LATENT_DIFFUSION_RESOURCE
                                                                                  : GB_SHIPPED_IMAGE_DIFFUSION_RESOURCE,
                                                          G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      if (bytes != NULL)
        self->net = self->models[domain] = gb_denoiser_load_bytes (bytes, domain == LATENT_DOMAIN
                                                                                ? "shipped latent-diffusion"
                                                                                : "shipped image-diffusion", &error);
      if (error != NULL)
        message (self, error->message);
    }
  if (domain == IMAGE_DOMAIN && self->net != NULL && self->net != self->guidance_net)
    {
      /* a new image model: its own default (kept while the user moves between domains) */
      self->guidance_net = self->net;
      self->updating = TRUE;
      gtk_spin_button_set_value (self->guidance, gb_denoiser_default_guidance (self->net));
      self->updating = FALSE;
    }
  make_target (self);
  if (domain == IMAGE_DOMAIN && self->img_selected < 0)
    self->img_selected = 0;   /* the x_t, ε̂, x̂₀ column is the point of the domain: show it from the start */
  gtk_widget_set_visible (GTK_WIDGET (self->paint_toggle), domain == GB_TOY_PAINTED);
  gtk_widget_set_visible (GTK_WIDGET (self->clear_paint), domain == GB_TOY_PAINTED);
  gtk_widget_set_visible (GTK_WIDGET (self->field_check), domain != IMAGE_DOMAIN);
  gtk_widget_set_visible (GTK_WIDGET (self->clip_check), domain == IMAGE_DOMAIN);
  gtk_widget_set_visible (self->guidance_grid, domain == IMAGE_DOMAIN);
  gtk_widget_queue_draw (GTK_WIDGET (self->loss_area));
  gtk_label_set_text (self->view_hint, domain == IMAGE_DOMAIN
                                         ? "Click an image for its x_t, ε̂ and x̂₀; hover a pixel for its numbers; "
                                           "← → step t (Shift: by 10)."
                                         : "Click points to follow their trajectories (Esc clears); ← → step t "
                                           "(Shift: by 10).");
  self->reverse = FALSE;
  self->updating = TRUE;
  gtk_toggle_button_set_active (self->forward_button, TRUE);
  self->updating = FALSE;
  show_model (self);
  set_t (self, schedule (self) ? schedule (self)->T / 4 : 0);
}

static void
domain_changed_cb (GtkDropDown *drop, GParamSpec *pspec, GbDiffusionPage *self)
{
  if (self->updating)
    return;
  set_domain (self, (int) gtk_drop_down_get_selected (drop));
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
      if (domain == self->domain)
        {
          self->net = self->models[domain];
          show_model (self);
          set_t (self, self->t);
        }
    }
  g_autofree char *body = g_strdup_printf ("%d training steps on the %s", done, domain_titles[j->domain]);
  gb_long_run_end (&self->long_run, GTK_WIDGET (self), keep ? "The diffusion model has finished training" : NULL,
                   body);
  g_signal_handlers_disconnect_by_data (j->job, self);
  g_object_unref (j->job);
  g_object_unref (j->cancel);
  g_free (j);
  gtk_button_set_label (self->train_button, "_Train");
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

static void
train_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (widget);
  if (self->train != NULL)
    {
      finish_training (self, TRUE);   /* stop: keep what it learnt so far */
      return;
    }
  if (self->domain == IMAGE_DOMAIN)
    return;
  GbDiffusionData data = { .toy = self->domain < GB_TOY_N_KINDS ? (GbToyKind) self->domain : GB_TOY_N_KINDS,
                           .jitter = 0.05f };
  g_autoptr (GError) error = NULL;
  if (self->domain == LATENT_DOMAIN)
    {
      if (self->vae == NULL && (self->vae = gb_shipped_vae_load (&error)) == NULL)
        {
          message (self, error->message);
          return;
        }
      data.vae = gb_vae_copy (self->vae);   /* the job encodes the training images on its worker */
    }
  if (self->domain == GB_TOY_PAINTED)
    {
      if (self->painted->len < 2)
        {
          message (self, "The painted distribution has no points: turn on Paint and drag over the canvas");
          return;
        }
      data.n_points = (int) self->painted->len / 2;
      data.points = g_memdup2 (self->painted->data, self->painted->len * sizeof (float));
    }
  GbDiffusionJobConfig config;
  gb_diffusion_job_config_init (&config);
  /* A step size that decays over the run: quick progress, then refinement. */
  config.steps = gtk_spin_button_get_value_as_int (self->train_steps);
  config.batch = 256, config.lr = 2e-3, config.cosine_lr = TRUE;
  config.seed = (guint64) gtk_spin_button_get_value (self->seed);
  GbDenoiser *net = gb_denoiser_new_mlp (2, 128,
                                            gtk_drop_down_get_selected (self->schedule_drop) == 1 ? GB_SCHEDULE_COSINE
                                                                                                 : GB_SCHEDULE_LINEAR,
                                            gtk_spin_button_get_value_as_int (self->T_spin), config.seed, &error);
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
  gb_long_run_begin (&self->long_run, GTK_WIDGET (self), "training a diffusion model");
  gtk_button_set_label (self->train_button, "Stop _training");
}

/* --- sampling --- */

static void
sample_progress (int done, int total, gpointer data)
{
  SampleRun *r = data;
  g_atomic_int_set (&r->done, done);
}

static void
run_eps (float *eps, const float *xt, int n, int d, int t, gpointer data)
{
  gb_denoiser_eps (eps, xt, n, d, t, ((SampleRun *) data)->net);
}

static void
sample_task_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  SampleRun *r = data;
  g_autofree float *x = g_new (float, (gsize) r->n * r->d);
  GbSampleRecord rec = { r->xs, r->eps, r->x0 };
  GError *error = NULL;
  if (gb_diffusion_sample (r->net->schedule, &r->config, run_eps, r, x, r->n, r->d, FALSE, &rec, sample_progress, r,
                           cancel, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
sample_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (source);
  SampleRun *r = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  if (r != self->run)
    return;   /* a run the page has let go of */
  r->finished = TRUE;
  if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    message (self, error->message);
  gtk_progress_bar_set_fraction (self->progress, (double) g_atomic_int_get (&r->done) / r->K);
  set_t (self, 0);
}

static void
sample_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (widget);
  if (self->net == NULL)
    return;
  clear_run (self);
  SampleRun *r = g_atomic_rc_box_new0 (SampleRun);
  gb_sampler_config_init (&r->config);
  r->config.kind = gtk_drop_down_get_selected (self->sampler_drop) == 1 ? GB_SAMPLER_DDIM : GB_SAMPLER_DDPM;
  r->config.steps = gtk_spin_button_get_value_as_int (self->ddim_steps);
  r->config.eta = gtk_spin_button_get_value (self->eta);
  r->config.sigma_tilde = gtk_check_button_get_active (self->sigma_tilde);
  r->config.seed = (guint64) gtk_spin_button_get_value (self->seed);
  g_autoptr (GError) error = NULL;
  if (!gb_sampler_config_check (&r->config, self->net->schedule, &error))
    {
      message (self, error->message);
      g_atomic_rc_box_release (r);
      return;
    }
  r->net = gb_denoiser_copy (self->net);
  gboolean images = self->domain == IMAGE_DOMAIN;
  if (r->net->g_mean != NULL || (r->net->unet != NULL && r->net->unet->classes > 0))   /* in range: cannot fail */
    gb_denoiser_set_guidance (r->net, gtk_spin_button_get_value (self->guidance), NULL);
  r->n = images ? N_IMAGES : N_POINTS;
  r->d = images ? IMAGE_D : 2;
  /* Images live in [−1, 1]: x̂₀ may be clipped at each step, as Ho et al. do. */
  r->config.clip_x0 = images && gtk_check_button_get_active (self->clip_check);
  r->ts = g_new (int, self->net->schedule->T);
  r->K = gb_sampler_timesteps (&r->config, self->net->schedule, r->ts);
  gsize N = (gsize) r->n * r->d;
  /* Every state (1 000 steps of 16 images: 50 MB); the images' ε̂ and x̂₀
   * are recomputed for the one on show rather than kept for all. */
  r->xs = g_new0 (float, (gsize) (r->K + 1) * N);
  r->eps = images ? NULL : g_new0 (float, (gsize) r->K * N);
  r->x0 = images ? NULL : g_new0 (float, (gsize) r->K * N);
  self->run = r;
  self->view_serial++;
  self->reverse = TRUE;
  self->updating = TRUE;
  gtk_toggle_button_set_active (self->reverse_button, TRUE);
  self->updating = FALSE;
  r->cancel = g_cancellable_new ();
  g_autoptr (GTask) task = g_task_new (self, r->cancel, sample_done_cb, NULL);
  g_task_set_task_data (task, g_atomic_rc_box_acquire (r), sample_run_release);
  g_task_run_in_thread (task, sample_task_thread);
  set_t (self, self->net->schedule->T);
  ensure_tick (self);
}

/* --- playing and the frame clock --- */

static gboolean
tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double dt = self->last_frame_us ? CLAMP ((now - self->last_frame_us) / 1e6, 0.0, 0.1) : 1.0 / 60;
  self->last_frame_us = now;
  gboolean busy = FALSE;
  if (sampling (self))
    {
      /* Follow the sampler live; its end comes to sample_done_cb. */
      SampleRun *r = self->run;
      int done = g_atomic_int_get (&r->done);
      gtk_progress_bar_set_fraction (self->progress, (double) done / r->K);
      if (!self->playing)
        set_t (self, done < r->K ? r->ts[MAX (done - 1, 0)] : 0);
      busy = TRUE;
    }
  if (self->playing && schedule (self) != NULL)
    {
      int T = schedule (self)->T;
      double speed = gtk_spin_button_get_value (self->speed);
      self->play_pos += (self->reverse ? -1 : 1) * speed * dt;
      if (self->play_pos < 0 || self->play_pos > T)
        {
          self->play_pos = CLAMP (self->play_pos, 0, T);
          self->playing = FALSE;
          self->updating = TRUE;
          gtk_toggle_button_set_active (self->play_button, FALSE);
          self->updating = FALSE;
        }
      set_t (self, (int) round (self->play_pos));
      busy = busy || self->playing;
    }
  if (busy)
    return G_SOURCE_CONTINUE;
  self->tick_id = 0;
  self->last_frame_us = 0;
  return G_SOURCE_REMOVE;
}

static void
ensure_tick (GbDiffusionPage *self)
{
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

static void
play_toggled_cb (GtkToggleButton *b, GbDiffusionPage *self)
{
  if (self->updating)
    return;
  self->playing = gtk_toggle_button_get_active (b);
  if (self->playing)
    {
      const GbSchedule *s = schedule (self);
      /* From the start of the process when at its end. */
      if (self->reverse && self->t == 0)
        self->t = s->T;
      else if (!self->reverse && self->t == s->T)
        self->t = 0;
      self->play_pos = self->t;
      ensure_tick (self);
    }
}

static void
process_toggled_cb (GtkToggleButton *b, GbDiffusionPage *self)
{
  if (self->updating || !gtk_toggle_button_get_active (b))
    return;
  self->reverse = b == self->reverse_button;
  if (self->reverse && self->run == NULL)
    message (self, "Press Sample to run the reverse process; the timeline then scrubs its steps");
  update_view (self);
}

/* --- drawing --- */

/* The trajectories of the selected points up to the state on show. */
static int
trails (GbDiffusionPage *self, float *out, int max_len)
{
  int len = 0;
  if (self->reverse && self->run != NULL)
    {
      int done = g_atomic_int_get (&self->run->done);
      int j = run_index (self->run, self->t, done);
      int stride = MAX (1, (j + max_len - 1) / max_len);
      for (int k = 0; k < self->n_selected; k++)
        {
          int l = 0;
          for (int i = 0; i <= j && l < max_len; i += stride, l++)
            {
              const float *p = self->run->xs + ((gsize) i * N_POINTS + self->selected[k]) * 2;
              out[((gsize) k * max_len + l) * 2] = p[0], out[((gsize) k * max_len + l) * 2 + 1] = p[1];
            }
          len = l;
        }
    }
  else if (!self->reverse && schedule (self) != NULL)
    {
      for (int k = 0; k < self->n_selected; k++)
        for (int l = 0; l < max_len; l++)
          {
            int t = (int) ((gint64) self->t * l / (max_len - 1));
            float *o = out + ((gsize) k * max_len + l) * 2;
            gb_diffusion_q_sample (schedule (self), t, self->target + 2 * self->selected[k],
                                   self->noise + 2 * self->selected[k], o, 2);
          }
      len = max_len;
    }
  return len;
}

static double
mean_square (const float *x, int n)
{
  double s = 0;
  for (int k = 0; k < n; k++)
    s += (double) x[k] * x[k];
  return s / n;
}

static void
image_scene (GbDiffusionPage *self, GbImageScene *scene, char *title, gsize title_size, char *note, gsize note_size)
{
  const GbSchedule *s = schedule (self);
  gboolean have = self->net != NULL && (self->reverse ? self->run != NULL : self->have_target);
  g_snprintf (title, title_size, "%s · %s at t = %d", domain_titles[IMAGE_DOMAIN],
              self->reverse ? "sampling (reverse)" : "noising (forward)", self->img_t);
  note[0] = 0;
  int i = self->img_selected;
  if (have && i >= 0 && self->img_pred)
    {
      double a = sqrt (s->alpha_bar[self->pred_t]), b = sqrt (1 - s->alpha_bar[self->pred_t]);
      gsize len = g_snprintf (note, note_size, "x_t = √ᾱ_t·x̂₀ + √(1−ᾱ_t)·ε̂\n     = %.3f·x̂₀ + %.3f·ε̂", a, b);
      if (!self->reverse && len < note_size)
        {
          /* How well the model guesses the noise that was really added. */
          const float *e = self->img_noise + (gsize) i * IMAGE_D;
          double se = 0, sx = 0;
          for (int k = 0; k < IMAGE_D; k++)
            {
              se += (self->img_eps[k] - e[k]) * (self->img_eps[k] - e[k]);
              double dx = self->img_x0[k] - self->img_target[(gsize) i * IMAGE_D + k];
              sx += dx * dx;
            }
          g_snprintf (note + len, note_size - len,
                      "\nε̂ against the ε really added:\n     mean squared error %.3f (guessing 0: %.3f)"
                      "\nx̂₀ against the real x₀: mean squared error %.3f",
                      se / IMAGE_D, mean_square (e, IMAGE_D), sx / IMAGE_D);
        }
      else if (self->reverse && len < note_size)
        g_snprintf (note + len, note_size - len, "\nthe sampler's step from t = %d used this ε̂%s", self->pred_t,
                    self->run->config.clip_x0 ? "\n     (with x̂₀ clipped to [−1, 1])" : "");
    }
  else if (have && i >= 0)
    g_snprintf (note, note_size, "t = 0: %s", self->reverse ? "the finished sample" : "the data");
  *scene = (GbImageScene) { have ? self->img_shown : NULL, have ? N_IMAGES : 0, 28, i,
                            self->img_pred ? self->img_eps : NULL, self->img_pred ? self->img_x0 : NULL,
                            self->img_hover, self->img_hover_pixel, title, note,
                            self->img_pred ? self->pred_x : NULL };
}

static void
paint_images (cairo_t *cr, int w, int h, GbDiffusionPage *self)
{
  char title[160], note[600];
  GbImageScene scene;
  image_scene (self, &scene, title, sizeof title, note, sizeof note);
  gb_image_scene_paint (cr, 0, 0, w, h, &scene, &self->pal);
  if (scene.n == 0)
    gb_paint_text (cr, w / 2.0, h / 2.0, self->net == NULL ? "No image model: open one (Ctrl+O)"
                                         : self->reverse ? "Press Sample to draw images from the model"
                                                         : "No data set to noise: try Reverse and Sample",
                   13, &self->pal.muted, GB_ALIGN_CENTER, FALSE);
}

static void
paint_cloud (cairo_t *cr, int w, int h, gpointer data)
{
  GbDiffusionPage *self = data;
  if (self->domain == IMAGE_DOMAIN)
    {
      paint_images (cr, w, h, self);
      return;
    }
  float tr[MAX_SELECTED * 200 * 2];
  int len = trails (self, tr, 200);
  gboolean have_points = self->reverse ? self->run != NULL : self->have_target && self->net != NULL;
  g_autofree char *title = g_strdup_printf ("%s · %s", domain_titles[self->domain],
                                            self->reverse ? "sampling (reverse)" : "noising (forward)");
  GbCloudScene s = { self->shown, have_points ? N_POINTS : 0, self->have_target ? self->target : NULL,
                     self->have_target ? N_POINTS : 0, self->selected, self->n_selected, len > 1 ? tr : NULL, len,
                     self->field_valid ? self->field : NULL, FIELD_SIDE, EXTENT, title,
                     self->domain == LATENT_DOMAIN && self->have_target ? self->target_labels : NULL };
  gb_cloud_paint (cr, 0, 0, w, h, &s, &self->pal);
  if (!have_points)
    gb_paint_text (cr, w / 2.0, h - 40, self->net == NULL ? "Train a model for this domain first"
                                      : self->reverse ? "Press Sample to draw from the model"
                                      : self->domain == LATENT_DOMAIN ? "No data set here to noise: try Reverse and Sample"
                                                                      : "Paint some points first",
                   13, &self->pal.muted, GB_ALIGN_CENTER, FALSE);
}

/* The hovered pixel's numbers. */
static void
paint_side_images (cairo_t *cr, int w, int h, GbDiffusionPage *self)
{
  const GbSchedule *s = schedule (self);
  int i = self->img_hover, p = self->img_hover_pixel;
  if (i < 0 || p < 0 || s == NULL)
    {
      gb_paint_text (cr, 8, 8, "Hover a pixel for its numbers;", 11, &self->pal.muted, GB_ALIGN_LEFT, FALSE);
      gb_paint_text (cr, 8, 24, "click an image for its predictions.", 11, &self->pal.muted, GB_ALIGN_LEFT, FALSE);
      return;
    }
  char buf[200];
  double y = 8;
  int t = self->img_t;
  double a = sqrt (s->alpha_bar[t]), b = sqrt (1 - s->alpha_bar[t]);
  float x = self->img_shown[(gsize) i * IMAGE_D + p];
  g_snprintf (buf, sizeof buf, "image %d, pixel (%d, %d) at t = %d", i + 1, p / 28, p % 28, t);
  gb_paint_text (cr, 8, y, buf, 12, &self->pal.fg, GB_ALIGN_LEFT, TRUE), y += 20;
  g_snprintf (buf, sizeof buf, "√ᾱ_t = %.4f   √(1−ᾱ_t) = %.4f", a, b);
  gb_paint_text (cr, 8, y, buf, 11, &self->pal.fg, GB_ALIGN_LEFT, FALSE), y += 20;
  if (!self->reverse)
    {
      float x0 = self->img_target[(gsize) i * IMAGE_D + p], e = self->img_noise[(gsize) i * IMAGE_D + p];
      gb_paint_text (cr, 8, y, "x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε", 11, &self->pal.fg, GB_ALIGN_LEFT, FALSE), y += 16;
      g_snprintf (buf, sizeof buf, "  %.3f = %.4f·%.3f + %.4f·%.3f", x, a, x0, b, e);
      gb_paint_text (cr, 8, y, buf, 11, &self->pal.fg, GB_ALIGN_LEFT, FALSE), y += 20;
    }
  else
    {
      g_snprintf (buf, sizeof buf, "x_t = %.3f", x);
      gb_paint_text (cr, 8, y, buf, 11, &self->pal.fg, GB_ALIGN_LEFT, FALSE), y += 20;
    }
  if (i == self->img_selected && self->img_pred)
    {
      /* The predictions' own state (the grid's, or one request behind it). */
      double pa = sqrt (s->alpha_bar[self->pred_t]), pb = sqrt (1 - s->alpha_bar[self->pred_t]);
      gb_paint_text (cr, 8, y, "the model's reading of it:", 11, &self->pal.muted, GB_ALIGN_LEFT, FALSE), y += 16;
      g_snprintf (buf, sizeof buf, "ε̂ = %.3f    x̂₀ = %.3f", self->img_eps[p], self->img_x0[p]);
      gb_paint_text (cr, 8, y, buf, 11, &self->pal.fg, GB_ALIGN_LEFT, FALSE), y += 16;
      g_snprintf (buf, sizeof buf, "  %.3f = %.4f·%.3f + %.4f·%.3f", self->pred_x[p], pa, self->img_x0[p], pb,
                  self->img_eps[p]);
      gb_paint_text (cr, 8, y, buf, 11, &self->pal.fg, GB_ALIGN_LEFT, FALSE), y += 16;
    }
  else if (t > 0)
    gb_paint_text (cr, 8, y, "(click the image for ε̂ and x̂₀)", 11, &self->pal.muted, GB_ALIGN_LEFT, FALSE);
}

static void
paint_side (cairo_t *cr, int w, int h, gpointer data)
{
  GbDiffusionPage *self = data;
  gb_set_rgb (cr, &self->pal.bg);
  cairo_paint (cr);
  if (self->domain == IMAGE_DOMAIN)
    {
      paint_side_images (cr, w, h, self);
      return;
    }
  int i = self->n_selected > 0 ? self->selected[0] : self->hover;
  const GbSchedule *s = schedule (self);
  if (i < 0 || s == NULL)
    {
      gb_paint_text (cr, 8, 8, "Click a point to follow it;", 11, &self->pal.muted, GB_ALIGN_LEFT, FALSE);
      gb_paint_text (cr, 8, 24, "hover one for its numbers.", 11, &self->pal.muted, GB_ALIGN_LEFT, FALSE);
      return;
    }
  char buf[200];
  double y = 8;
  const float *x = self->shown + 2 * i;
  float eps[2] = { 0, 0 }, x0[2] = { 0, 0 };
  gboolean have_pred = FALSE;
  if (self->reverse && self->run != NULL)
    {
      int done = g_atomic_int_get (&self->run->done);
      int j = run_index (self->run, self->t, done);
      if (j < done && j < self->run->K)
        {
          memcpy (eps, self->run->eps + ((gsize) j * N_POINTS + i) * 2, sizeof eps);
          memcpy (x0, self->run->x0 + ((gsize) j * N_POINTS + i) * 2, sizeof x0);
          have_pred = TRUE;
        }
    }
  else if (self->t > 0)
    {
      gb_denoiser_eps (eps, x, 1, 2, self->t, self->net);
      gb_diffusion_predict_x0 (s, self->t, x, eps, x0, 2);
      have_pred = TRUE;
    }
  g_snprintf (buf, sizeof buf, "point %d at t = %d", i, self->t);
  gb_paint_text (cr, 8, y, buf, 12, &self->pal.fg, GB_ALIGN_LEFT, TRUE), y += 20;
  if (!self->reverse && self->have_target)
    {
      double a = sqrt (s->alpha_bar[self->t]), b = sqrt (1 - s->alpha_bar[self->t]);
      const float *d0 = self->target + 2 * i, *e = self->noise + 2 * i;
      gb_paint_text (cr, 8, y, "x_t = √ᾱ·x₀ + √(1−ᾱ)·ε", 11, &self->pal.fg, GB_ALIGN_LEFT, FALSE), y += 16;
      for (int k = 0; k < 2; k++)
        {
          g_snprintf (buf, sizeof buf, "  %.3f = %.3f·%.3f + %.3f·%.3f", x[k], a, d0[k], b, e[k]);
          gb_paint_text (cr, 8, y, buf, 11, &self->pal.fg, GB_ALIGN_LEFT, FALSE), y += 16;
        }
    }
  else
    {
      g_snprintf (buf, sizeof buf, "x_t = (%.3f, %.3f)", x[0], x[1]);
      gb_paint_text (cr, 8, y, buf, 11, &self->pal.fg, GB_ALIGN_LEFT, FALSE), y += 16;
    }
  if (have_pred)
    {
      g_snprintf (buf, sizeof buf, "ε̂ = (%.3f, %.3f)", eps[0], eps[1]);
      gb_paint_text (cr, 8, y, buf, 11, &self->pal.fg, GB_ALIGN_LEFT, FALSE), y += 16;
      g_snprintf (buf, sizeof buf, "x̂₀ = (%.3f, %.3f)", x0[0], x0[1]);
      gb_paint_text (cr, 8, y, buf, 11, &self->pal.fg, GB_ALIGN_LEFT, FALSE), y += 16;
    }
  /* On the latent plane: the particle and its prediction decoded by the VAE. */
  if (self->domain == LATENT_DOMAIN && self->vae != NULL)
    {
      int D = self->vae->config.n_input, side = (int) round (sqrt (D));
      g_autofree float *img = g_new (float, 2 * D);
      float z[4] = { x[0], x[1], x0[0], x0[1] };
      gb_vae_decode (self->vae, z, img, have_pred ? 2 : 1);
      double sz = MIN ((w - 24) / 2.0, 140);
      y += 6;
      gb_paint_text (cr, 8, y, "decoded x_t", 10, &self->pal.muted, GB_ALIGN_LEFT, FALSE);
      if (have_pred)
        gb_paint_text (cr, 16 + sz, y, "decoded x̂₀", 10, &self->pal.muted, GB_ALIGN_LEFT, FALSE);
      y += 14;
      if (side * side == D)
        {
          gb_paint_image (cr, 8, y, sz, sz, img, side, side, &self->pal);
          if (have_pred)
            gb_paint_image (cr, 16 + sz, y, sz, sz, img + D, side, side, &self->pal);
        }
    }
}

static void
paint_schedule (cairo_t *cr, int w, int h, gpointer data)
{
  GbDiffusionPage *self = data;
  gb_set_rgb (cr, &self->pal.bg);
  cairo_paint (cr);
  if (schedule (self) == NULL)
    {
      gb_paint_text (cr, w / 2.0, h / 2.0 - 8, "the noise schedule (β, ᾱ, log SNR) appears with a model", 11,
                     &self->pal.muted, GB_ALIGN_CENTER, FALSE);
      return;
    }
  GbScheduleScene s = { schedule (self), self->t };
  gb_schedule_paint (cr, 0, 0, w, h, &s, &self->pal);
}

static void
paint_loss (cairo_t *cr, int w, int h, gpointer data)
{
  GbDiffusionPage *self = data;
  int n = (int) self->losses->len;
  g_autofree double *avg = g_new (double, MAX (n, 1));
  gb_moving_average ((const double *) self->losses->data, n, 50, avg);
  GbSeries s[2] = {
    { .y = (const double *) self->losses->data, .n = n, .x0 = 1, .dx = 1, .color = self->pal.classes[4],
      .alpha = 0.5, .width = 1 },
    { .y = avg, .n = n, .x0 = 1, .dx = 1, .color = self->pal.classes[1], .width = 2, .label = "average of 50" },
  };
  GbSeriesPlot p = { "Training loss ‖ε − ε̂‖²", "step", s, 2, TRUE,
                     self->domain == IMAGE_DOMAIN ? "image models train on the command line (see the Train button)"
                                                  : "press Train to watch the loss fall" };
  gb_series_plot_paint (cr, 0, 0, w, h, &p, &self->pal);
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbDiffusionPage *self = g_object_get_data (G_OBJECT (area), "page");
  gint64 start = g_get_monotonic_time ();
  gb_form_palette (GTK_WIDGET (self), &self->pal);
  ((GbPaintFunc) data) (cr, w, h, self);
  gb_form_focus_ring (GTK_WIDGET (area), cr, w, h, &self->pal);
  gb_frame_stats_drew (self->stats, (g_get_monotonic_time () - start) / 1000.0);
}

/* --- pointer and keys --- */

static int
hit (GbDiffusionPage *self, double x, double y)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self->cloud_area)), h = gtk_widget_get_height (GTK_WIDGET (self->cloud_area));
  GbCloudScene s = { self->shown, (self->reverse ? self->run != NULL : self->have_target) ? N_POINTS : 0 };
  s.extent = EXTENT;
  return gb_cloud_hit (0, 0, w, h, &s, x, y);
}

static void
paint_point (GbDiffusionPage *self, double x, double y)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self->cloud_area)), h = gtk_widget_get_height (GTK_WIDGET (self->cloud_area));
  float p[2];
  gb_cloud_to_data (0, 0, w, h, EXTENT, x, y, &p[0], &p[1]);
  if (fabs (p[0]) > EXTENT || fabs (p[1]) > EXTENT || self->painted->len >= 20000)
    return;
  g_array_append_vals (self->painted, p, 2);
  make_target (self);
  update_view (self);
}

static gboolean
image_hit (GbDiffusionPage *self, double x, double y, int *image, int *pixel)
{
  char title[160], note[600];
  GbImageScene scene;
  image_scene (self, &scene, title, sizeof title, note, sizeof note);
  return gb_image_scene_hit (0, 0, gtk_widget_get_width (GTK_WIDGET (self->cloud_area)),
                             gtk_widget_get_height (GTK_WIDGET (self->cloud_area)), &scene, x, y, image, pixel);
}

static void
motion_cb (GtkEventControllerMotion *m, double x, double y, GbDiffusionPage *self)
{
  if (self->domain == IMAGE_DOMAIN)
    {
      int image = -1, pixel = -1;
      if (!image_hit (self, x, y, &image, &pixel))
        image = pixel = -1;
      if (image != self->img_hover || pixel != self->img_hover_pixel)
        {
          self->img_hover = image, self->img_hover_pixel = pixel;
          gtk_widget_queue_draw (GTK_WIDGET (self->side_area));
          gtk_widget_queue_draw (GTK_WIDGET (self->cloud_area));
        }
      return;
    }
  int i = hit (self, x, y);
  if (i != self->hover)
    {
      self->hover = i;
      gtk_widget_queue_draw (GTK_WIDGET (self->side_area));
    }
}

static void
drag_begin_cb (GtkGestureDrag *drag, double x, double y, GbDiffusionPage *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->cloud_area));
  if (self->domain == IMAGE_DOMAIN)
    {
      int image, pixel;
      if (image_hit (self, x, y, &image, &pixel))
        self->img_selected = image;
      update_view (self);
      return;
    }
  if (self->domain == GB_TOY_PAINTED && gtk_toggle_button_get_active (self->paint_toggle))
    {
      paint_point (self, x, y);
      return;
    }
  int i = hit (self, x, y);
  if (i < 0)
    self->n_selected = 0;
  else if (self->n_selected < MAX_SELECTED)
    self->selected[self->n_selected++] = i;
  else
    {
      memmove (self->selected, self->selected + 1, (MAX_SELECTED - 1) * sizeof (int));
      self->selected[MAX_SELECTED - 1] = i;
    }
  update_view (self);
}

static void
drag_update_cb (GtkGestureDrag *drag, double dx, double dy, GbDiffusionPage *self)
{
  double x, y;
  if (self->domain == GB_TOY_PAINTED && gtk_toggle_button_get_active (self->paint_toggle)
      && gtk_gesture_drag_get_start_point (drag, &x, &y))
    paint_point (self, x + dx, y + dy);
}

static gboolean
key_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state, GbDiffusionPage *self)
{
  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK) || schedule (self) == NULL)
    return FALSE;
  int step = state & GDK_SHIFT_MASK ? 10 : 1;
  if (keyval == GDK_KEY_Left || keyval == GDK_KEY_Right)
    {
      /* In the reverse process, one recorded step at a time. */
      int dir = keyval == GDK_KEY_Right ? 1 : -1;
      if (self->reverse && self->run != NULL && self->run->K < schedule (self)->T)
        {
          int j = run_index (self->run, self->t, self->run->K) - dir * step;
          j = CLAMP (j, 0, self->run->K);
          set_t (self, j < self->run->K ? self->run->ts[j] : 0);
        }
      else
        set_t (self, self->t + dir * step);
      return TRUE;
    }
  if (keyval == GDK_KEY_Escape)
    {
      self->n_selected = 0;
      self->img_selected = -1;
      update_view (self);
      return TRUE;
    }
  return FALSE;
}

static void
clear_paint_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (widget);
  g_array_set_size (self->painted, 0);
  make_target (self);
  update_view (self);
}

static void
view_option_cb (GtkCheckButton *b, GbDiffusionPage *self)
{
  update_view (self);
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

/* --- public --- */

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

static const char *
gb_diffusion_page_show_unsaved (GbDiffusionPage *self)
{
  if (self->train != NULL)
    finish_training (self, TRUE);   /* keep what it learnt so far */
  int domain = self->unsaved[self->domain] ? self->domain : -1;
  for (int k = 0; domain < 0 && k < N_DOMAINS; k++)
    if (self->unsaved[k])
      domain = k;
  if (domain < 0)
    return NULL;
  if (domain != self->domain)
    {
      self->updating = TRUE;
      gtk_drop_down_set_selected (self->domain_drop, domain);
      self->updating = FALSE;
      set_domain (self, domain);
    }
  return domain_titles[domain];
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
                   "%s: a model of %d-dimensional data; this page shows 2-d models and 28 × 28 images", path, net->d);
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
  self->updating = TRUE;
  gtk_drop_down_set_selected (self->domain_drop, domain);
  self->updating = FALSE;
  set_domain (self, domain);
  return TRUE;
}

static gboolean
gb_diffusion_page_save (GbPage *page, const char *path, GError **error)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (page);
  if (self->net == NULL)
    {
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "there is no model to save: train one first");
      return FALSE;
    }
  if (!gb_denoiser_save (self->net, path, error))
    return FALSE;
  self->unsaved[self->domain] = FALSE;
  return TRUE;
}

static void
paint_frame (cairo_t *cr, int w, int h, gpointer data)
{
  GbDiffusionPage *self = data;
  int strip = MIN (160, h / 4);
  gb_set_rgb (cr, &self->pal.bg);
  cairo_paint (cr);
  paint_cloud (cr, w, h - strip, self);
  cairo_save (cr);
  cairo_translate (cr, 0, h - strip);
  cairo_rectangle (cr, 0, 0, w, strip);   /* the strip's painters fill their whole target */
  cairo_clip (cr);
  paint_schedule (cr, w, strip, self);
  cairo_restore (cr);
}

static void
gif_frame (cairo_t *cr, int w, int h, int f, gpointer data)
{
  GbDiffusionPage *self = data;
  int T = schedule (self)->T, frames = 100;
  double u = (double) f / (frames - 1);
  self->t = (int) round (self->reverse ? T * (1 - u) : T * u);
  recompute (self, TRUE);
  paint_frame (cr, w, h, self);
}

static gboolean
gb_diffusion_page_export (GbPage *page, const char *path, GError **error)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (page);
  if (!g_str_has_suffix (path, ".gif"))
    {
      recompute (self, TRUE);   /* the predictions for this very frame */
      return gb_export_file (path, 800, 960, paint_frame, self, error);
    }
  /* The whole trajectory of the process on show, 100 frames at 25 a second. */
  if (self->net == NULL || (self->reverse && (self->run == NULL || sampling (self))))
    {
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                           self->net == NULL ? "there is no model to animate: train one first"
                                             : "the reverse process has not been sampled yet: press Sample first");
      return FALSE;
    }
  int t = self->t;
  gboolean ok = gb_gif_write (path, 500, 600, 100, 4, gif_frame, self, error);
  self->t = t;
  update_view (self);
  return ok;
}

static void
gb_diffusion_page_stop (GbPage *page)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (page);
  self->playing = FALSE;
  if (self->train != NULL)
    finish_training (self, FALSE);
  clear_run (self);
}

/* --- construction --- */

static GtkDrawingArea *
canvas (GbDiffusionPage *self, GbPaintFunc paint, const char *name, gboolean focusable)
{
  GtkWidget *a = gtk_drawing_area_new ();
  gtk_widget_set_hexpand (a, TRUE);
  gtk_widget_set_vexpand (a, TRUE);
  gtk_widget_set_focusable (a, focusable);
  gb_form_accessible_label (a, name);
  g_object_set_data (G_OBJECT (a), "page", self);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (a), draw_cb, (gpointer) paint, NULL);
  return GTK_DRAWING_AREA (a);
}

static GtkWidget *
build_sidebar (GbDiffusionPage *self)
{
  GtkBox *box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 6));
  gtk_widget_set_margin_start (GTK_WIDGET (box), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (box), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (box), 12);
  GtkWidget *h = gb_form_heading (box, "_Domain");
  self->domain_drop = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (domain_titles));
  gb_form_accessible_label (GTK_WIDGET (self->domain_drop), "Domain");
  gtk_label_set_mnemonic_widget (GTK_LABEL (h), GTK_WIDGET (self->domain_drop));
  gtk_box_append (box, GTK_WIDGET (self->domain_drop));
  self->paint_toggle = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic ("_Paint points"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->paint_toggle), "Drag over the canvas to paint the distribution");
  gtk_box_append (box, GTK_WIDGET (self->paint_toggle));
  self->clear_paint = GTK_BUTTON (gtk_button_new_with_mnemonic ("Clear the painti_ng"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->clear_paint), "diffusion.clear-paint");
  gtk_box_append (box, GTK_WIDGET (self->clear_paint));

  gb_form_heading (box, "Model");
  self->model_label = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_wrap (self->model_label, TRUE);
  gtk_label_set_xalign (self->model_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->model_label), "dim-label");
  gtk_box_append (box, GTK_WIDGET (self->model_label));
  GtkGrid *f = gb_form_grid (box);
  self->train_steps = gb_form_spin_row (f, 0, "Trainin_g steps", "Training steps", 100, 200000, 500, 0, 20000,
                                "Batches of 256 to train on (about 1 700 a second here)");
  self->T_spin = gb_form_spin_row (f, 1, "Diffusion steps T", "Diffusion steps T", 10, 10000, 10, 0, 1000,
                           "The number of noising steps of the model to train");
  static const char *const schedules[] = { "Linear schedule (Ho et al.)", "Cosine schedule (Nichol & Dhariwal)", NULL };
  self->schedule_drop = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (schedules));
  gb_form_accessible_label (GTK_WIDGET (self->schedule_drop), "Noise schedule");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->schedule_drop), "The noise schedule of the model to train");
  gtk_box_append (box, GTK_WIDGET (self->schedule_drop));
  self->train_button = GTK_BUTTON (gtk_button_new_with_mnemonic ("_Train"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->train_button), "Train a model of this domain live; again to stop");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->train_button), "diffusion.train");
  gtk_box_append (box, GTK_WIDGET (self->train_button));

  gb_form_heading (box, "Sampler");
  static const char *const samplers[] = { "DDPM (ancestral)", "DDIM", NULL };
  self->sampler_drop = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (samplers));
  gb_form_accessible_label (GTK_WIDGET (self->sampler_drop), "Sampler");
  gtk_box_append (box, GTK_WIDGET (self->sampler_drop));
  self->sigma_tilde = GTK_CHECK_BUTTON (gtk_check_button_new_with_label ("DDPM variance σ²ₜ = β̃ₜ (else βₜ)"));
  gtk_box_append (box, GTK_WIDGET (self->sigma_tilde));
  self->clip_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_label ("Clip x̂₀ to [−1, 1] at each step"));
  gtk_check_button_set_active (self->clip_check, TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->clip_check),
                               "Images: take each step from the predicted clean image clipped to the pixels' range");
  gtk_box_append (box, GTK_WIDGET (self->clip_check));
  f = gb_form_grid (box);
  self->guidance_grid = GTK_WIDGET (f);
  self->guidance = gb_form_spin_row (f, 0, "Guid_ance w", "Guidance", 0, 10, 0.25, 2, GB_DENOISER_GUIDANCE,
                                     "Images: ε̂ = ε̂_Gaussian + w (ε̂ − ε̂_Gaussian). 1 is the model as trained; "
                                     "above 1 steers away from what the fitted Gaussian alone predicts, for clearer "
                                     "images and less variety; 0 samples the Gaussian");
  g_signal_connect_swapped (self->guidance, "value-changed", G_CALLBACK (update_view), self);
  f = gb_form_grid (box);
  self->ddim_steps = gb_form_spin_row (f, 0, "DDIM _count S", "DDIM steps", 1, 1000, 1, 0, 50, "DDIM's number of steps");
  self->eta = gb_form_spin_row (f, 1, "DDIM _eta η", "DDIM eta", 0, 1, 0.1, 2, 0, "0: deterministic; 1: as stochastic as DDPM");
  self->seed = gb_form_spin_row (f, 2, "_Seed", "Seed", 0, 1e9, 1, 0, 1, "Seeds the sampler and training");
  self->sample_button = GTK_BUTTON (gtk_button_new_with_mnemonic ("Sa_mple"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sample_button),
                               "Run the sampler from noise, recording every step for the timeline");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->sample_button), "diffusion.sample");
  gtk_box_append (box, GTK_WIDGET (self->sample_button));
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_box_append (box, GTK_WIDGET (self->progress));

  gb_form_heading (box, "View");
  self->field_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_mnemonic ("The −ε̂ field as arro_ws"));
  gtk_check_button_set_active (self->field_check, TRUE);
  g_signal_connect (self->field_check, "toggled", G_CALLBACK (view_option_cb), self);
  gtk_box_append (box, GTK_WIDGET (self->field_check));
  GtkWidget *hint = gtk_label_new ("");
  self->view_hint = GTK_LABEL (hint);
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_box_append (box, hint);

  GtkWidget *scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (box));
  gtk_widget_set_size_request (scroller, 280, -1);
  gtk_widget_set_hexpand (scroller, FALSE);
  gtk_widget_add_css_class (scroller, "rl-sidebar");
  return scroller;
}

static void
build (GbDiffusionPage *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_HORIZONTAL);
  gtk_box_append (GTK_BOX (self), build_sidebar (self));
  GtkWidget *main = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_hexpand (main, TRUE);
  /* The timeline row. */
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_add_css_class (row, "toolbar-row");
  self->forward_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic ("_Forward"));
  self->reverse_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic ("_Reverse"));
  gtk_toggle_button_set_group (self->reverse_button, self->forward_button);
  gtk_toggle_button_set_active (self->forward_button, TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->forward_button), "The noising process q(x_t | x₀), in closed form");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->reverse_button), "The sampler's trajectory (after Sample)");
  g_signal_connect (self->forward_button, "toggled", G_CALLBACK (process_toggled_cb), self);
  g_signal_connect (self->reverse_button, "toggled", G_CALLBACK (process_toggled_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->forward_button));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->reverse_button));
  self->play_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic ("P_lay"));
  g_signal_connect (self->play_button, "toggled", G_CALLBACK (play_toggled_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->play_button));
  GtkGrid *sf = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_column_spacing (sf, 6);
  self->speed = gb_form_spin_row (sf, 0, "Pla_y speed", "Play speed", 10, 2000, 10, 0, 250, "Timesteps a second");
  gtk_widget_set_hexpand (GTK_WIDGET (self->speed), FALSE);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (sf));
  GtkWidget *tl = gtk_label_new_with_mnemonic ("T_imestep");
  gtk_box_append (GTK_BOX (row), tl);
  self->timeline = GTK_SCALE (gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 1000, 1));
  gtk_scale_set_draw_value (self->timeline, FALSE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->timeline), TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (tl), GTK_WIDGET (self->timeline));
  gb_form_accessible_label (GTK_WIDGET (self->timeline), "Timestep");
  g_signal_connect (self->timeline, "value-changed", G_CALLBACK (timeline_changed_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->timeline));
  gtk_box_append (GTK_BOX (main), row);
  self->t_label = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (self->t_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->t_label), "rl-status");
  gtk_widget_add_css_class (GTK_WIDGET (self->t_label), "numeric");
  gtk_box_append (GTK_BOX (main), GTK_WIDGET (self->t_label));

  GtkWidget *middle = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_vexpand (middle, TRUE);
  self->cloud_area = canvas (self, paint_cloud, "Point cloud", TRUE);
  gtk_box_append (GTK_BOX (middle), GTK_WIDGET (self->cloud_area));
  self->side_area = canvas (self, paint_side, "The selected point's numbers", FALSE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->side_area), FALSE);
  gtk_widget_set_size_request (GTK_WIDGET (self->side_area), 320, -1);
  gtk_box_append (GTK_BOX (middle), GTK_WIDGET (self->side_area));
  gtk_box_append (GTK_BOX (main), middle);

  GtkWidget *bottom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  self->schedule_area = canvas (self, paint_schedule, "Noise schedule", FALSE);
  self->loss_area = canvas (self, paint_loss, "Training loss", FALSE);
  gtk_widget_set_size_request (GTK_WIDGET (self->schedule_area), -1, 150);
  gtk_widget_set_vexpand (GTK_WIDGET (self->schedule_area), FALSE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->loss_area), FALSE);
  gtk_box_append (GTK_BOX (bottom), GTK_WIDGET (self->schedule_area));
  gtk_box_append (GTK_BOX (bottom), GTK_WIDGET (self->loss_area));
  gtk_box_append (GTK_BOX (main), bottom);
  gtk_box_append (GTK_BOX (self), main);

  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->cloud_area), motion);
  GtkGesture *drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->cloud_area), GTK_EVENT_CONTROLLER (drag));
  GtkEventController *keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->cloud_area), keys);
  g_signal_connect (self->domain_drop, "notify::selected", G_CALLBACK (domain_changed_cb), self);
}

static void
gb_diffusion_page_dispose (GObject *object)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (object);
  gb_diffusion_page_stop (GB_PAGE (self));
  g_clear_pointer (&self->predictor, gb_predictor_free);
  gb_frame_stats_print (self->stats, NULL, NULL);
  g_clear_pointer (&self->stats, gb_frame_stats_free);
  G_OBJECT_CLASS (gb_diffusion_page_parent_class)->dispose (object);
}

static void
gb_diffusion_page_finalize (GObject *object)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (object);
  for (int k = 0; k < N_DOMAINS; k++)
    gb_denoiser_free (self->models[k]);
  g_free (self->img_target), g_free (self->img_noise), g_free (self->img_shown);
  g_array_unref (self->painted);
  g_array_unref (self->losses);
  g_clear_pointer (&self->vae, gb_vae_free);
  G_OBJECT_CLASS (gb_diffusion_page_parent_class)->finalize (object);
}

/* --- GbPage --- */

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
  return "the diffusion model";
}

static void
page_show_unsaved (GbPage *page)
{
  gb_diffusion_page_show_unsaved (GB_DIFFUSION_PAGE (page));   /* stops training, keeping it */
}

static void
page_iface_init (GbPageInterface *iface)
{
  iface->open = gb_diffusion_page_open;
  iface->save = gb_diffusion_page_save;
  iface->export = gb_diffusion_page_export;
  iface->files = page_files;
  iface->stop = gb_diffusion_page_stop;
  iface->has_unsaved = gb_diffusion_page_has_unsaved;
  iface->open_replaces_unsaved = gb_diffusion_page_open_replaces_unsaved;
  iface->unsaved_name = page_unsaved_name;
  iface->show_unsaved = page_show_unsaved;
}

static void
gb_diffusion_page_class_init (GbDiffusionPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gb_diffusion_page_dispose;
  object_class->finalize = gb_diffusion_page_finalize;
  widget_class->realize = gb_diffusion_page_realize;
  widget_class->unrealize = gb_diffusion_page_unrealize;
  gtk_widget_class_set_css_name (widget_class, "diffusionpage");
  gtk_widget_class_install_action (widget_class, "diffusion.train", NULL, train_action);
  gtk_widget_class_install_action (widget_class, "diffusion.sample", NULL, sample_action);
  gtk_widget_class_install_action (widget_class, "diffusion.clear-paint", NULL, clear_paint_action);
}

static void
gb_diffusion_page_init (GbDiffusionPage *self)
{
  self->painted = g_array_new (FALSE, FALSE, sizeof (float));
  self->losses = g_array_new (FALSE, FALSE, sizeof (double));
  self->stats = gb_frame_stats_new ("diffusion-frame-stats", "frames", "canvases' drawing");
  self->hover = -1;
  self->img_selected = 0, self->img_hover = self->img_hover_pixel = -1;
  self->img_target = g_new0 (float, (gsize) N_IMAGES * IMAGE_D);
  self->img_noise = g_new0 (float, (gsize) N_IMAGES * IMAGE_D);
  self->img_shown = g_new0 (float, (gsize) N_IMAGES * IMAGE_D);
  self->predictor = gb_predictor_new (prediction_ready_cb, self);
  gb_palette_init (&self->pal, FALSE);
  build (self);
  set_domain (self, GB_TOY_SWISS_ROLL);
}
