/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-page-lesson.c — the Diffusion page in a lesson: a domain (and
 * model), the forward or reverse process at a timestep, the sampler; the
 * controls a lesson hides (gb-lesson.h). */
#include "gb-diffusion-page-private.h"
#include <glib/gi18n.h>

#include "gb-form.h"

static const char *const domains[] = { "swiss-roll", "moons", "8-gaussians", "checkerboard", "rings", "painted",
                                       "latent", "fashion-mnist" };
static const char *const processes[] = { "forward", "reverse" };
static const char *const samplers[] = { "ddpm", "ddim" };

static void
hide_control (GbDiffusionPage *self, const char *name)
{
  GPtrArray *h = self->lesson_hidden;
  if (g_str_equal (name, "domain"))
    gb_form_hide_control (h, GTK_WIDGET (self->domain_drop));
  else if (g_str_equal (name, "training"))
    {
      gb_form_hide_control (h, GTK_WIDGET (self->train_steps));
      gb_form_hide_control (h, GTK_WIDGET (self->T_spin));
      gb_form_hide_control (h, GTK_WIDGET (self->schedule_drop));
      gb_form_hide_control (h, GTK_WIDGET (self->train_button));
    }
  else if (g_str_equal (name, "sampler"))
    {
      gb_form_hide_control (h, GTK_WIDGET (self->sampler_drop));
      gb_form_hide_control (h, GTK_WIDGET (self->sigma_tilde));
      gb_form_hide_control (h, GTK_WIDGET (self->clip_check));
      gb_form_hide_control (h, GTK_WIDGET (self->ddim_steps));
      gb_form_hide_control (h, GTK_WIDGET (self->eta));
      gb_form_hide_control (h, self->guidance_grid);
    }
  else if (g_str_equal (name, "seed"))
    gb_form_hide_control (h, GTK_WIDGET (self->seed));
  else if (g_str_equal (name, "sample"))
    gb_form_hide_control (h, GTK_WIDGET (self->sample_button));
  else if (g_str_equal (name, "view"))
    gb_form_hide_control (h, GTK_WIDGET (self->field_check));
  else
    g_warn_if_reached ();
}

gboolean
gb_diffusion_page_apply_lesson (GbPage *page, const GbLesson *lesson, GError **error)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (page);
  GKeyFile *kf = lesson->kf;
  const char *g = lesson->page;
  gb_diffusion_page_end_lesson (page);
  int domain = gb_form_lesson_choice (kf, g, "domain", domains, G_N_ELEMENTS (domains), error);
  if (domain == -2)
    return FALSE;
  if (domain >= 0)
    gtk_drop_down_set_selected (self->domain_drop, domain);
  g_autofree char *model = g_key_file_get_string (kf, g, "model", NULL);
  if (model != NULL)
    {
      g_autofree char *path = gb_lesson_path (lesson, g_strstrip (model));
      if (!gb_page_open (page, path, error))
        return FALSE;
    }
  int sampler = gb_form_lesson_choice (kf, g, "sampler", samplers, G_N_ELEMENTS (samplers), error);
  if (sampler == -2)
    return FALSE;
  if (sampler >= 0)
    gtk_drop_down_set_selected (self->sampler_drop, sampler);
  if (!gb_form_lesson_spin (kf, g, "seed", self->seed, error)
      || !gb_form_lesson_check (kf, g, "field", self->field_check, error))
    return FALSE;
  int process = gb_form_lesson_choice (kf, g, "process", processes, G_N_ELEMENTS (processes), error);
  if (process == -2)
    return FALSE;
  if (process >= 0)
    g_object_set (self, "process", process, NULL);
  if (g_key_file_has_key (kf, g, "t", NULL))
    {
      g_autoptr (GError) e = NULL;
      int t = g_key_file_get_integer (kf, g, "t", &e);
      int T = self->net != NULL ? self->net->schedule->T : 0;
      if (e != NULL || t < 0 || t > T)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, _("[%s] t is a timestep from 0 to %d"),
                       g, T);
          return FALSE;
        }
      gb_diffusion_timeline_set_t (self->timeline, t);
    }
  for (int i = 0; lesson->hide[i] != NULL; i++)
    hide_control (self, lesson->hide[i]);
  return TRUE;
}

gboolean
gb_diffusion_page_save_lesson (GbPage *page, GKeyFile *kf, const char *g, const char *dir, GError **error)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (page);
  g_key_file_set_string (kf, g, "domain", domains[self->domain]);
  /* A model trained here is written beside the lesson; one from a file is named by its path. */
  if (self->unsaved[self->domain] && self->net != NULL)
    {
      g_autofree char *name = g_strdup_printf ("lesson-%s.safetensors", domains[self->domain]);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (!gb_denoiser_save (self->net, path, error))
        return FALSE;
      g_key_file_set_string (kf, g, "model", name);
    }
  else if (self->model_path[self->domain] != NULL)
    g_key_file_set_string (kf, g, "model", self->model_path[self->domain]);
  g_key_file_set_string (kf, g, "process", processes[self->reverse ? 1 : 0]);
  g_key_file_set_integer (kf, g, "t", self->t);
  g_key_file_set_string (kf, g, "sampler", samplers[MIN (gtk_drop_down_get_selected (self->sampler_drop), 1)]);
  g_key_file_set_integer (kf, g, "seed", gtk_spin_button_get_value_as_int (self->seed));
  g_key_file_set_boolean (kf, g, "field", gtk_check_button_get_active (self->field_check));
  g_key_file_set_string (kf, g, "hide", "");
  return TRUE;
}

void
gb_diffusion_page_end_lesson (GbPage *page)
{
  gb_form_unhide (GB_DIFFUSION_PAGE (page)->lesson_hidden);
}
