/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-page-lesson.c — the latent page in a lesson: a model, a selected
 * test image with its true posterior, the manifold; the controls a lesson
 * hides (gb-lesson.h). */
#include "gb-latent-page-private.h"
#include <glib/gi18n.h>

#include "gb-form.h"

#define SHIPPED _("shipped with Glassbox")

static void
hide_control (GbLatentPage *self, const char *name)
{
  GPtrArray *h = self->lesson_hidden;
  if (g_str_equal (name, "manifold"))
    {
      gb_form_hide_control (h, GTK_WIDGET (self->manifold_check));
      gb_form_hide_control (h, GTK_WIDGET (self->manifold_size));
      gb_form_hide_control (h, GTK_WIDGET (self->manifold_mode));
    }
  else if (g_str_equal (name, "samples"))
    {
      gb_form_hide_control (h, GTK_WIDGET (self->sample_button));
      gb_form_hide_control (h, GTK_WIDGET (self->n_samples));
    }
  else if (g_str_equal (name, "interpolation"))
    gb_form_hide_control (h, GTK_WIDGET (self->interp_k));
  else if (g_str_equal (name, "clear"))
    gb_form_hide_control (h, GTK_WIDGET (self->clear_button));
  else if (g_str_equal (name, "dataset"))
    gb_form_hide_control (h, GTK_WIDGET (self->dataset_button));
  else if (g_str_equal (name, "reset"))
    gb_form_hide_control (h, GTK_WIDGET (self->reset_button));
  else if (g_str_equal (name, "inference"))
    gb_form_hide_control (h, GTK_WIDGET (self->inference_panel));
  else if (g_str_equal (name, "training"))
    gb_form_hide_control (h, GTK_WIDGET (self->train_panel));
  else
    g_warn_if_reached ();
}

void
gb_latent_page_lesson_data_ready (GbLatentPage *self)
{
  if (self->lesson_select >= 0 && self->ds == NULL && !self->data_loading)
    {
      self->lesson_select = -1;
      gb_latent_page_message (self, _("The lesson's test image cannot be selected: there is no data set."));
      return;
    }
  if (self->lesson_select < 0 || self->ds == NULL || self->model == NULL || self->model->mu == NULL)
    return;
  if ((guint64) self->lesson_select >= self->ds->test->n)
    {
      g_autofree char *msg = g_strdup_printf (_("The lesson selects test image %lld, but the data set has %u"),
                                              (long long) self->lesson_select, self->ds->test->n);
      self->lesson_select = -1;
      gb_latent_page_message (self, msg);
      return;
    }
  self->has_sel = TRUE;
  self->sel = (guint32) self->lesson_select;
  self->lesson_select = -1;
  gb_latent_page_recompute_selection (self);
}

gboolean
gb_latent_page_apply_lesson (GbPage *page, const GbLesson *lesson, GError **error)
{
  GbLatentPage *self = GB_LATENT_PAGE (page);
  GKeyFile *kf = lesson->kf;
  const char *g = lesson->page;
  gb_latent_page_end_lesson (page);
  g_autofree char *model = g_key_file_get_string (kf, g, "model", NULL);
  if (model != NULL)
    {
      g_autofree char *path = gb_lesson_path (lesson, g_strstrip (model));
      if (!gb_page_open (page, path, error))
        return FALSE;
    }
  if (!gb_form_lesson_check (kf, g, "manifold", self->manifold_check, error))
    return FALSE;
  if (g_key_file_has_key (kf, g, "posterior", NULL))
    {
      g_autoptr (GError) e = NULL;
      gboolean on = g_key_file_get_boolean (kf, g, "posterior", &e);
      if (e != NULL)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, _("[%s] posterior is true or false"), g);
          return FALSE;
        }
      gb_latent_inference_panel_set_posterior (self->inference_panel, on);
    }
  if (g_key_file_has_key (kf, g, "select", NULL))
    {
      g_autoptr (GError) e = NULL;
      gint64 index = g_key_file_get_int64 (kf, g, "select", &e);
      if (e != NULL || index < 0)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       _("[%s] select is a test image's number, from 0"), g);
          return FALSE;
        }
      /* Now if the data set is encoded, else when it is. */
      self->lesson_select = index;
      gb_latent_page_lesson_data_ready (self);
    }
  for (int i = 0; lesson->hide[i] != NULL; i++)
    hide_control (self, lesson->hide[i]);
  return TRUE;
}

gboolean
gb_latent_page_save_lesson (GbPage *page, GKeyFile *kf, const char *g, const char *dir, GError **error)
{
  GbLatentPage *self = GB_LATENT_PAGE (page);
  /* A model of the user's (opened or trained here) is written beside the lesson. */
  if (self->model != NULL && g_strcmp0 (self->model_name, SHIPPED) != 0)
    {
      g_autofree char *path = g_build_filename (dir, "lesson-vae.safetensors", NULL);
      if (!gb_vae_save (self->model->vae, path, error))
        return FALSE;
      g_key_file_set_string (kf, g, "model", "lesson-vae.safetensors");
    }
  if (self->has_sel)
    g_key_file_set_int64 (kf, g, "select", self->sel);
  g_key_file_set_boolean (kf, g, "posterior", gb_latent_inference_panel_get_posterior_on (self->inference_panel));
  g_key_file_set_boolean (kf, g, "manifold", gtk_check_button_get_active (self->manifold_check));
  g_key_file_set_string (kf, g, "hide", "");
  return TRUE;
}

void
gb_latent_page_end_lesson (GbPage *page)
{
  gb_form_unhide (GB_LATENT_PAGE (page)->lesson_hidden);
}
