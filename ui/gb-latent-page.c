/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-page.c — the Latent space page.
 *
 * The page owns the model on show (a GbVaeSnapshot: the VAE and the test set
 * encoded by it), the data set, and what the user picked (pointer, selection,
 * interpolation pair, prior samples). Slow work — loading the data set,
 * encoding 10 000 images, training — runs on worker threads; the main loop
 * only installs their results and draws.
 */
#include "gb-latent-page-private.h"
#include <glib/gi18n.h>

#include "gb-a11y.h"

#include <math.h>
#include <stdlib.h>


static void page_iface_init (GbPageInterface *iface);
static void gb_latent_page_set_model (GbLatentPage *self, GbVae *vae, const char *name);
static gboolean gb_latent_page_is_training (GbPage *page);

G_DEFINE_FINAL_TYPE_WITH_CODE (GbLatentPage, gb_latent_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (GB_TYPE_PAGE, page_iface_init))

void
gb_latent_page_message (GbLatentPage *self, const char *message)
{
  gb_page_message (GB_PAGE (self), message);
}

int
gb_latent_page_input_size (GbLatentPage *self)
{
  return self->model ? self->model->vae->config.n_input : 784;
}

/* --- what depends on the model --- */

static void
update_model_line (GbLatentPage *self)
{
  g_free (self->model_line);
  const GbVae *vae = self->model->vae;
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, ngettext ("VAE %d-%d-%d · %s · %d epoch", "VAE %d-%d-%d · %s · %d epochs",
                                                vae->info.epochs),
                          vae->config.n_input, vae->config.n_hidden, vae->config.n_latent,
                          vae->info.dataset ? vae->info.dataset : _("unknown data"), vae->info.epochs);
  if (isfinite (vae->info.test_elbo))
    g_string_append_printf (s, _(" · test −ELBO %.1f"), vae->info.test_elbo);
  if (self->model_name)
    g_string_append_printf (s, "\n%s", self->model_name);
  self->model_line = g_string_free (s, FALSE);
}


void
gb_latent_page_recompute_selection (GbLatentPage *self)
{
  if (!self->has_sel || self->ds == NULL || self->sel >= self->ds->test->n)
    {
      self->has_sel = FALSE;
      gb_latent_page_update_inference (self);
      return;
    }
  int D = gb_latent_page_input_size (self);
  g_autofree float *x = g_new (float, D);
  const guint8 *px = self->ds->test->pixels + (gsize) self->sel * D;
  for (int d = 0; d < D; d++)
    x[d] = px[d] / 255.0f;
  /* ε is drawn from a generator seeded by the image's index: the same point
   * always shows the same numbers. */
  GbRng rng;
  gb_rng_init (&rng, 0x5e1ec7ULL ^ self->sel);
  int L = self->model->vae->config.n_latent;
  for (int j = 0; j < L; j++)
    self->sel_eps[j] = gb_rng_normal (&rng);
  self->sel_loss = gb_vae_explain (self->model->vae, x, self->sel_eps, self->sel_mu, self->sel_lv,
                                   self->sel_z, self->sel_recon);
  /* Traversals along the plane's two directions through μ: μ with its part along e moved from −3 to 3. */
  for (int c = 0; c < 2; c++)
    {
      const float *e = c == 0 ? self->slice.e1 : self->slice.e2;
      float base[GB_VAE_MAX_LATENT];
      double along = 0.0;
      for (int k = 0; k < L; k++)
        along += (double) self->sel_mu[k] * e[k];
      for (int k = 0; k < L; k++)
        base[k] = (float) (self->sel_mu[k] - along * e[k]);
      gb_latent_traverse_dir (self->model->vae, base, e, -3.0, 3.0, TRAVERSE_K,
                              self->sel_traverse + (gsize) c * TRAVERSE_K * D);
    }
  gb_latent_page_update_inference (self);
}

/* Test point i on the plane. */
static void
pair_point (GbLatentPage *self, gint64 i, double out[2])
{
  if (self->proj != NULL && i >= 0 && (guint32) i < self->model->n)
    {
      out[0] = self->proj[2 * i];
      out[1] = self->proj[2 * i + 1];
    }
  else
    out[0] = out[1] = 0.0;
}


static void
recompute_interp (GbLatentPage *self)
{
  if (self->pair_a < 0 || self->pair_b < 0 || self->model->mu == NULL)
    return;
  int K = gtk_spin_button_get_value_as_int (self->interp_k), L = self->model->vae->config.n_latent;
  /* The straight path between the two codes in the whole latent space (its shadow on the plane is straight too). */
  gb_latent_interpolate_z (self->model->vae, self->model->mu + (gsize) self->pair_a * L,
                           self->model->mu + (gsize) self->pair_b * L, K, self->interp_z, self->interp);
}

void
gb_latent_page_recompute_samples (GbLatentPage *self)
{
  if (self->n_samples_drawn > 0)
    gb_vae_decode (self->model->vae, self->samples_z, self->samples, self->n_samples_drawn);
  gb_latent_slice_project (&self->slice, self->samples_z, (guint32) self->n_samples_drawn, self->samples_uv);
}

void
gb_latent_page_recompute_preview (GbLatentPage *self)
{
  if (!self->has_preview)
    return;
  float z[GB_VAE_MAX_LATENT];
  gb_latent_slice_point (&self->slice, self->preview_z[0], self->preview_z[1], z);
  gb_vae_decode (self->model->vae, z, self->preview, 1);
}


static void fill_info (GbLatentPage *self, GbLatentInfo *info);

static void
update_info_size (GbLatentPage *self)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self->info_area));
  if (w <= 0)
    w = 320;
  GbLatentInfo info = { 0 };
  fill_info (self, &info);
  gtk_drawing_area_set_content_height (self->info_area, MAX (gb_latent_info_height (w, &info), 400));
}

/* --- the whole test set: aggregate posterior, KL colouring --- */








/* Fills the scene's data pointers from the page's state. */
void
gb_latent_page_sync_scene (GbLatentPage *self, gboolean base)
{
  GbLatentScene *s = gb_latent_view_get_scene (self->view);
  s->mu = self->proj;
  s->n_points = self->proj ? self->model->n : 0;
  s->labels = self->ds ? self->ds->test->labels : NULL;
  s->n_classes = self->ds ? MIN (self->ds->n_classes, 32) : 0;
  s->class_names = self->ds ? (const char *const *) self->ds->class_names : NULL;
  s->banner = self->data_error;
  s->has_selection = self->has_sel && self->proj != NULL;
  if (s->has_selection)
    {
      /* μ on the plane, and q's spread along its two directions. */
      float uv[2];
      gb_latent_slice_project (&self->slice, self->sel_mu, 1, uv);
      s->sel_mu[0] = uv[0], s->sel_mu[1] = uv[1];
      double v1 = 0.0, v2 = 0.0;
      for (int k = 0; k < self->slice.L; k++)
        {
          double var = exp (self->sel_lv[k]);
          v1 += var * self->slice.e1[k] * self->slice.e1[k];
          v2 += var * self->slice.e2[k] * self->slice.e2[k];
        }
      s->sel_sigma[0] = sqrt (v1), s->sel_sigma[1] = sqrt (v2);
    }
  s->has_pair = self->pair_a >= 0 && self->pair_b >= 0 && self->proj != NULL;
  if (s->has_pair)
    {
      pair_point (self, self->pair_a, s->pair_a);
      pair_point (self, self->pair_b, s->pair_b);
      s->interp_k = gtk_spin_button_get_value_as_int (self->interp_k);
    }
  s->samples_z = self->n_samples_drawn ? self->samples_uv : NULL;
  s->n_samples = self->n_samples_drawn;
  gb_latent_page_sync_inference (self);
  gb_latent_view_changed (self->view, base);
  update_info_size (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->info_area));
}


static void
model_changed (GbLatentPage *self)
{
  update_model_line (self);
  gb_latent_page_update_slice (self);
  g_clear_pointer (&self->decoder, gb_manifold_decoder_free);
  self->decoder = gb_manifold_decoder_new (self->model->vae);
  self->manifold_dirty = TRUE;
  gb_latent_page_ensure_manifold (self);
  gb_latent_page_recompute_selection (self);
  recompute_interp (self);
  gb_latent_page_recompute_samples (self);
  gb_latent_page_recompute_preview (self);
  gb_latent_page_sync_scene (self, TRUE);
}

void
gb_latent_page_install_snapshot (GbLatentPage *self, GbVaeSnapshot *snap)
{
  g_clear_pointer (&self->model, gb_vae_snapshot_unref);
  self->model = gb_vae_snapshot_ref (snap);
  self->model_serial++;
  model_changed (self);
  gb_latent_page_update_aggregate (self);
}

/* --- the manifold --- */

void
gb_latent_page_ensure_manifold (GbLatentPage *self)
{
  gboolean on = gtk_check_button_get_active (self->manifold_check);
  GbLatentScene *s = gb_latent_view_get_scene (self->view);
  if (!on)
    {
      g_clear_pointer (&self->manifold, gb_manifold_free);
      s->manifold = NULL;
      return;
    }
  if (self->manifold != NULL && !self->manifold_dirty)
    return;
  int n = gtk_spin_button_get_value_as_int (self->manifold_size);
  GbManifoldMode mode = gtk_drop_down_get_selected (self->manifold_mode) == 1 ? GB_MANIFOLD_REGION : GB_MANIFOLD_ICDF;
  int w = MAX (gtk_widget_get_width (GTK_WIDGET (self->view)), 1);
  int h = MAX (gtk_widget_get_height (GTK_WIDGET (self->view)), 1);
  double x0, y0, x1, y1;
  gb_viewport_to_latent (&s->vp, w, h, 0, h, &x0, &y0);
  gb_viewport_to_latent (&s->vp, w, h, w, 0, &x1, &y1);
  /* Square cells: the grid spans the shorter side, centred. */
  double span = MIN (x1 - x0, y1 - y0), cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  g_autoptr (GError) error = NULL;
  g_clear_pointer (&self->manifold, gb_manifold_free);
  if (self->model->vae->config.n_latent == 2)
    self->manifold = gb_manifold_new (self->model->vae, self->decoder, n, mode, cx - span / 2, cx + span / 2,
                                      cy - span / 2, cy + span / 2, self->rows, self->cols, &error);
  else
    self->manifold = gb_manifold_new_slice (self->model->vae, &self->slice, n, mode, cx - span / 2, cx + span / 2,
                                            cy - span / 2, cy + span / 2, self->rows, self->cols, &error);
  if (self->manifold == NULL)
    gb_latent_page_message (self, error->message);
  self->manifold_dirty = FALSE;
  s->manifold = self->manifold;
}



static void
manifold_settings_changed_cb (GbLatentPage *self)
{
  self->manifold_dirty = TRUE;
  gb_latent_page_ensure_manifold (self);
  gb_latent_view_changed (self->view, TRUE);
}

static void
viewport_changed_cb (GbLatentView *view, GbLatentPage *self)
{
  if (self->manifold != NULL && self->manifold->mode == GB_MANIFOLD_REGION)
    {
      self->manifold_dirty = TRUE;
      gb_latent_page_ensure_manifold (self);
    }
}

void
gb_latent_page_focus_plane (GbLatentPage *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->view));
}

static void
gb_latent_page_toggle_manifold (GbLatentPage *self)
{
  gtk_check_button_set_active (self->manifold_check, !gtk_check_button_get_active (self->manifold_check));
}

static void
toggle_manifold_action (GtkWidget *widget, const char *name, GVariant *param)
{
  gb_latent_page_toggle_manifold (GB_LATENT_PAGE (widget));
}

/* --- the info panel and the plot --- */

static void
fill_info (GbLatentPage *self, GbLatentInfo *info)
{
  info->rows = self->rows;
  info->cols = self->cols;
  info->model_line = self->model_line;
  info->has_preview = self->has_preview;
  info->preview = self->preview;
  info->preview_z[0] = self->preview_z[0];
  info->preview_z[1] = self->preview_z[1];
  info->has_selection = self->has_sel && self->ds != NULL;
  if (info->has_selection)
    {
      info->sel_index = self->sel;
      info->sel_class = self->ds->class_names[self->ds->test->labels[self->sel]];
      info->sel_original = self->ds->test->pixels + (gsize) self->sel * gb_latent_page_input_size (self);
      info->sel_recon = self->sel_recon;
      for (int j = 0; j < 2; j++)
        {
          info->mu[j] = self->sel_mu[j];
          info->logvar[j] = self->sel_lv[j];
          info->eps[j] = self->sel_eps[j];
          info->z[j] = self->sel_z[j];
        }
      info->n_latent = self->model->vae->config.n_latent;
      GbLatentScene *sc = gb_latent_view_get_scene (self->view);
      for (int j = 0; j < 2; j++)
        info->slice_mu[j] = sc->sel_mu[j], info->slice_sigma[j] = sc->sel_sigma[j];
      info->traverse_names[0] = self->axis_names[0], info->traverse_names[1] = self->axis_names[1];
      info->bce = self->sel_loss.bce;
      info->kl = self->sel_loss.kl;
      info->traverse = self->sel_traverse;
      info->traverse_k = TRAVERSE_K;
      info->traverse_lo = -3.0, info->traverse_hi = 3.0;
    }
  gboolean pair = self->pair_a >= 0 && self->pair_b >= 0 && self->proj != NULL;
  info->interp_k = pair ? gtk_spin_button_get_value_as_int (self->interp_k) : 0;
  info->interp = pair ? self->interp : NULL;
  info->n_samples = self->n_samples_drawn;
  info->samples = self->samples;
}

static void
info_draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbLatentPage *self = data;
  GbLatentInfo info = { 0 };
  fill_info (self, &info);
  gb_latent_info_paint (cr, w, h, &info, gb_latent_view_get_palette (self->view));
  /* What it shows, for a screen reader: the pointer, the selected image and its numbers. */
  g_autofree char *text = gb_latent_info_text (&info);
  gb_a11y_describe (GTK_WIDGET (area), text);
  g_autofree char *plane = g_strdup_printf ("%s %s", text, GB_LATENT_VIEW_KEYS);
  gb_a11y_describe (GTK_WIDGET (self->view), plane);
}

/* --- pointer, selection, legend --- */

static void
pointer_moved_cb (GbLatentView *view, double zx, double zy, GbLatentPage *self)
{
  self->has_preview = TRUE;
  self->preview_z[0] = zx;
  self->preview_z[1] = zy;
  gb_latent_page_recompute_preview (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->info_area));
}

static void
point_activated_cb (GbLatentView *view, guint index, gboolean shift, GbLatentPage *self)
{
  if (!shift)
    {
      self->has_sel = TRUE;
      self->sel = index;
      gb_latent_page_recompute_selection (self);
    }
  else
    {
      if (self->pair_a >= 0 && self->pair_b < 0)
        self->pair_b = index;
      else if (self->has_sel && (gint64) self->sel != (gint64) index)
        {
          self->pair_a = self->sel;
          self->pair_b = index;
        }
      else
        {
          self->pair_a = index;
          self->pair_b = -1;
        }
      recompute_interp (self);
    }
  gb_latent_page_sync_scene (self, FALSE);
}

static void
legend_toggled_cb (GbLatentView *view, int k, GbLatentPage *self)
{
  GbLatentScene *s = gb_latent_view_get_scene (self->view);
  s->hidden_classes ^= 1u << k;
  gb_latent_view_changed (self->view, TRUE);
}

static void
interp_k_changed_cb (GbLatentPage *self)
{
  recompute_interp (self);
  gb_latent_page_sync_scene (self, FALSE);
}

static void
sample_clicked_cb (GbLatentPage *self)
{
  int n = CLAMP (gtk_spin_button_get_value_as_int (self->n_samples), 1, GB_LATENT_MAX_SAMPLES);
  gb_latent_sample_prior (self->model->vae, &self->sample_rng, n, self->samples_z, self->samples);
  self->n_samples_drawn = n;
  gb_latent_slice_project (&self->slice, self->samples_z, (guint32) n, self->samples_uv);
  gb_latent_page_sync_scene (self, FALSE);
}

static void
clear_clicked_cb (GbLatentPage *self)
{
  self->has_sel = FALSE;
  self->pair_a = self->pair_b = -1;
  self->n_samples_drawn = 0;
  gb_latent_page_update_inference (self);
  gb_latent_page_sync_scene (self, FALSE);
}

static void
reset_clicked_cb (GbLatentPage *self)
{
  gb_latent_view_reset (self->view);
}

static void
gb_latent_page_set_model (GbLatentPage *self, GbVae *vae, const char *name)
{
  gb_latent_train_panel_set_unsaved (self->train_panel, FALSE);
  char *copy = g_strdup (name);   /* name may be self->model_name itself */
  g_free (self->model_name);
  self->model_name = copy;
  g_autoptr (GbVaeSnapshot) snap = gb_vae_snapshot_new (vae, NULL, 0);
  /* Square images unless the data set says otherwise. */
  if (self->ds == NULL)
    {
      int D = vae->config.n_input, side = (int) lround (sqrt (D));
      self->rows = side * side == D ? side : 1;
      self->cols = side * side == D ? side : D;
    }
  g_free (self->preview);
  g_free (self->sel_recon);
  g_free (self->sel_traverse);
  g_free (self->interp);
  g_free (self->samples);
  int D = vae->config.n_input;
  self->preview = g_new0 (float, D);
  self->sel_recon = g_new0 (float, D);
  self->sel_traverse = g_new0 (float, (gsize) 2 * TRAVERSE_K * D);
  self->interp = g_new0 (float, (gsize) MAX_INTERP * D);
  self->samples = g_new0 (float, (gsize) GB_LATENT_MAX_SAMPLES * D);
  gb_latent_page_install_snapshot (self, snap);
  if (!self->data_loading || self->ds != NULL)
    gb_latent_page_start_encode (self);
  else
    {
      /* The data set's first load (with its encoding by the model then on show) is under way:
       * that encoding is now stale, and this model's follows it. */
      self->encode_generation++;
      self->encode_pending = TRUE;
    }
}

static gboolean
gb_latent_page_open_model (GbPage *page, const char *path, GError **error)
{
  GbLatentPage *self = GB_LATENT_PAGE (page);
  if (gb_latent_page_is_training (GB_PAGE (self)))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("Stop training before opening another model"));
      return FALSE;
    }
  GbVae *vae = gb_vae_load (path, error);
  if (vae == NULL)
    return FALSE;
  if (self->ds != NULL && vae->config.n_input != self->ds->test->rows * self->ds->test->cols)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: the model takes %d pixels but the data set's images have %d"),
                   path, vae->config.n_input, self->ds->test->rows * self->ds->test->cols);
      gb_vae_free (vae);
      return FALSE;
    }
  g_autofree char *base = g_path_get_basename (path);
  gb_latent_page_set_model (self, vae, base);
  return TRUE;
}

static gboolean
gb_latent_page_save_model (GbPage *page, const char *path, GError **error)
{
  GbLatentPage *self = GB_LATENT_PAGE (page);
  if (!gb_vae_save (self->model->vae, path, error))
    return FALSE;
  gb_latent_train_panel_set_unsaved (self->train_panel, FALSE);
  g_free (self->model_name);
  self->model_name = g_path_get_basename (path);
  update_model_line (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->info_area));
  return TRUE;
}

typedef struct {
  GbLatentPage *self;
  int plane_w;
} ExportData;

static void
export_paint_cb (cairo_t *cr, int w, int h, gpointer data)
{
  ExportData *ed = data;
  GbLatentPage *self = ed->self;
  GbLatentScene scene = *gb_latent_view_get_scene (self->view);
  GbLatentInfo info = { 0 };
  fill_info (self, &info);
  /* Keep the view's centre and scale; the plane's part has the view's size. */
  gb_latent_export_paint (cr, w, h, &scene, &info, gb_latent_view_get_palette (self->view));
}

static gboolean
gb_latent_page_export (GbPage *page, const char *path, GError **error)
{
  GbLatentPage *self = GB_LATENT_PAGE (page);
  int w = MAX (gtk_widget_get_width (GTK_WIDGET (self->view)), 400);
  int h = MAX (gtk_widget_get_height (GTK_WIDGET (self->view)), 300);
  int info_w = MIN (340, (w + 340) / 3);
  ExportData ed = { self, w };
  return gb_export_file (path, w + info_w, h, export_paint_cb, &ed, error);
}

/* --- training --- */

/* --- training (GbLatentTrainPanel) --- */

static void
training_snapshot_cb (GbLatentTrainPanel *panel, GbVaeSnapshot *snap, const char *name, GbLatentPage *self)
{
  g_free (self->model_name);
  self->model_name = g_strdup (name);
  gb_latent_page_install_snapshot (self, snap);
}

/* The run has ended: its model stays on show, with its final numbers. */
static void
training_finished_cb (GbLatentTrainPanel *panel, GbVae *vae, gboolean ok, GbLatentPage *self)
{
  const char *name = ok ? _("trained in the app (not saved)") : _("last good model (not saved)");
  /* The final snapshot already holds the encodings of this model. */
  GbVaeSnapshot *snap = self->model;
  if (snap != NULL && snap->mu != NULL)
    {
      g_free (self->model_name);
      self->model_name = g_strdup (name);
      g_autoptr (GbVaeSnapshot) last = gb_vae_snapshot_new (gb_vae_copy (vae),
                                                            g_memdup2 (snap->mu, (gsize) snap->n * vae->config.n_latent * sizeof (float)),
                                                            snap->n);
      gb_latent_page_install_snapshot (self, last);
    }
  else
    gb_latent_page_set_model (self, gb_vae_copy (vae), name);
}

static void
training_message_cb (GbLatentTrainPanel *panel, const char *text, GbLatentPage *self)
{
  gb_latent_page_message (self, text);
}

static gboolean
gb_latent_page_is_training (GbPage *page)
{
  return gb_latent_train_panel_is_training (GB_LATENT_PAGE (page)->train_panel);
}

static gboolean
gb_latent_page_has_unsaved (GbPage *page)
{
  GbLatentPage *self = GB_LATENT_PAGE (page);
  return gb_latent_train_panel_is_training (self->train_panel) || gb_latent_train_panel_get_unsaved (self->train_panel);
}

static void
gb_latent_page_stop (GbPage *page)
{
  gb_latent_train_panel_stop (GB_LATENT_PAGE (page)->train_panel);
}

/* --- object --- */

static void
gb_latent_page_dispose (GObject *object)
{
  GbLatentPage *self = GB_LATENT_PAGE (object);
  self->disposed = TRUE;
  if (self->aggregate_cancel != NULL)
    g_cancellable_cancel (self->aggregate_cancel);
  g_clear_object (&self->aggregate_cancel);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->lesson_hidden, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), GB_TYPE_LATENT_PAGE);
  G_OBJECT_CLASS (gb_latent_page_parent_class)->dispose (object);
}

static void
gb_latent_page_finalize (GObject *object)
{
  GbLatentPage *self = GB_LATENT_PAGE (object);
  gb_dataset_unref (self->ds);
  gb_aggregate_map_free (self->aggregate);
  g_free (self->data_error);
  gb_vae_snapshot_unref (self->model);
  g_free (self->model_name);
  g_free (self->model_line);
  gb_manifold_free (self->manifold);
  gb_manifold_decoder_free (self->decoder);
  g_free (self->preview);
  g_free (self->sel_recon);
  g_free (self->sel_traverse);
  g_free (self->interp);
  g_free (self->samples);
  g_free (self->proj);
  G_OBJECT_CLASS (gb_latent_page_parent_class)->finalize (object);
}

static void
gb_latent_page_class_init (GbLatentPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gb_latent_page_dispose;
  object_class->finalize = gb_latent_page_finalize;

  g_type_ensure (GB_TYPE_LATENT_VIEW);
  g_type_ensure (GB_TYPE_LATENT_TRAIN_PANEL);
  g_type_ensure (GB_TYPE_LATENT_INFERENCE_PANEL);
  g_type_ensure (GB_TYPE_LATENT_SLICE_PANEL);
  gtk_widget_class_install_action (widget_class, "latent.toggle-manifold", NULL, toggle_manifold_action);
  gtk_widget_class_install_action (widget_class, "latent.open-dataset", NULL, gb_latent_page_open_dataset_action);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-latent-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, view);
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, info_area);
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, manifold_check);
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, manifold_size);
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, manifold_mode);
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, sample_button);
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, n_samples);
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, interp_k);
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, clear_button);
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, reset_button);
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, dataset_button);
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, train_panel);
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, inference_panel);
  gtk_widget_class_bind_template_child (widget_class, GbLatentPage, slice_panel);
}

static void
gb_latent_page_init (GbLatentPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->lesson_hidden = g_ptr_array_new_with_free_func (g_object_unref);
  self->lesson_select = -1;
  self->pair_a = self->pair_b = -1;
  self->home[0] = self->home[2] = -3.5, self->home[1] = self->home[3] = 3.5;
  gb_rng_init (&self->sample_rng, 1);

  /* Settings: read once, written back as controls change. */
  self->settings = gb_settings_new ();
  gb_settings_bind_spin (self->settings, "manifold-size", self->manifold_size);
  gb_settings_bind_spin (self->settings, "interpolation-steps", self->interp_k);
  gb_latent_train_panel_bind_settings (self->train_panel, self->settings);
  g_settings_bind (self->settings, "manifold", self->manifold_check, "active", G_SETTINGS_BIND_DEFAULT);
  gtk_drop_down_set_selected (self->manifold_mode, g_settings_get_enum (self->settings, "manifold-mode"));
  g_settings_bind_with_mapping (self->settings, "manifold-mode", self->manifold_mode, "selected",
                                G_SETTINGS_BIND_DEFAULT, gb_settings_enum_to_uint, gb_settings_uint_to_enum,
                                (gpointer) "org.glassbox.Glassbox.ManifoldMode", NULL);

  g_signal_connect (self->view, "pointer-moved", G_CALLBACK (pointer_moved_cb), self);
  g_signal_connect (self->view, "point-activated", G_CALLBACK (point_activated_cb), self);
  g_signal_connect (self->view, "legend-toggled", G_CALLBACK (legend_toggled_cb), self);
  g_signal_connect (self->view, "viewport-changed", G_CALLBACK (viewport_changed_cb), self);
  g_signal_connect_swapped (self->manifold_check, "toggled", G_CALLBACK (manifold_settings_changed_cb), self);
  g_signal_connect_swapped (self->manifold_size, "value-changed", G_CALLBACK (manifold_settings_changed_cb), self);
  g_signal_connect_swapped (self->manifold_mode, "notify::selected", G_CALLBACK (manifold_settings_changed_cb), self);
  g_signal_connect_swapped (self->interp_k, "value-changed", G_CALLBACK (interp_k_changed_cb), self);
  g_signal_connect_swapped (self->sample_button, "clicked", G_CALLBACK (sample_clicked_cb), self);
  g_signal_connect_swapped (self->clear_button, "clicked", G_CALLBACK (clear_clicked_cb), self);
  g_signal_connect_swapped (self->reset_button, "clicked", G_CALLBACK (reset_clicked_cb), self);
  gb_latent_train_panel_set_return_focus (self->train_panel, GTK_WIDGET (self->view));
  g_signal_connect (self->train_panel, "snapshot", G_CALLBACK (training_snapshot_cb), self);
  g_signal_connect (self->train_panel, "finished", G_CALLBACK (training_finished_cb), self);
  g_signal_connect (self->train_panel, "message", G_CALLBACK (training_message_cb), self);
  g_signal_connect_swapped (self->inference_panel, "changed", G_CALLBACK (gb_latent_page_inference_changed_cb), self);
  g_signal_connect_swapped (self->inference_panel, "set-view-changed", G_CALLBACK (gb_latent_page_set_view_changed_cb), self);
  g_signal_connect_swapped (self->slice_panel, "changed", G_CALLBACK (gb_latent_page_slice_changed_cb), self);
  gtk_drawing_area_set_draw_func (self->info_area, info_draw_cb, self, NULL);
  g_signal_connect_swapped (self->info_area, "resize", G_CALLBACK (update_info_size), self);

  /* The shipped model first (instant), the data set and its encoding on a
   * worker thread. */
  g_autoptr (GError) error = NULL;
  GbVae *vae = gb_shipped_vae_load (&error);
  if (vae == NULL)
    {
      /* A build without shipped weights still works: an untrained model. */
      GbVaeConfig c = { 784, 512, 2 };
      vae = gb_vae_new (&c, NULL);
      GbRng rng;
      gb_rng_init (&rng, 1);
      gb_vae_init_params (vae, &rng);
      g_warning ("no shipped model: %s", error->message);
    }
  self->data_loading = TRUE;
  gb_latent_page_set_model (self, vae, _("shipped with Glassbox"));   /* (gb-latent-page-lesson.c knows this name) */
  gb_latent_page_start_encode (self);
  gb_latent_page_ensure_manifold (self);
}

/* --- GbPage --- */

static void
page_files (GbPage *page, GbPageFileKind kind, GbPageFiles *out)
{
  if (kind == GB_PAGE_EXPORT)
    gb_page_files_export (out, "latent-space.png", FALSE);
  else
    gb_page_files_model (out, kind, "vae.safetensors");
}

static const char *
page_unsaved_name (GbPage *page)
{
  return _("the VAE");
}

static GbTable *
page_table (GbPage *page, gboolean selection)
{
  GbLatentPage *self = GB_LATENT_PAGE (page);
  if (!selection)
    return gb_latent_train_panel_table (self->train_panel);
  GbLatentInfo info = { 0 };
  fill_info (self, &info);
  return gb_latent_info_table (&info);
}

static const char *
page_help_topic (GbPage *page)
{
  return "latent";
}

static void
page_iface_init (GbPageInterface *iface)
{
  iface->help_topic = page_help_topic;
  iface->table = page_table;
  iface->apply_lesson = gb_latent_page_apply_lesson;
  iface->save_lesson = gb_latent_page_save_lesson;
  iface->end_lesson = gb_latent_page_end_lesson;
  iface->open = gb_latent_page_open_model;
  iface->save = gb_latent_page_save_model;
  iface->export = gb_latent_page_export;
  iface->files = page_files;
  iface->stop = gb_latent_page_stop;
  iface->has_unsaved = gb_latent_page_has_unsaved;
  iface->unsaved_name = page_unsaved_name;
  iface->is_busy = gb_latent_page_is_training;
  /* Ready for Save As once training has stopped after its step (is_busy says when). */
  iface->show_unsaved = gb_latent_page_stop;
}
