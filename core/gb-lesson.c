/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-lesson.c — lesson files (gb-lesson.h). */
#include "gb-lesson.h"
#include <glib/gi18n.h>

#include <string.h>

#include "gb-error.h"
#include "gb-file.h"

#define GROUP "glassbox-lesson"

static const char *const latent_keys[] = { "model", "select", "posterior", "manifold", "hide", NULL };
static const char *const latent_controls[] = { "manifold", "samples", "interpolation", "clear", "dataset", "reset",
                                               "inference", "training", NULL };
static const char *const rl_keys[] = { "world", "map", "algorithm", "gamma", "slip", "alpha", "epsilon", "seed",
                                       "numbers", "show-q", "compare-with", "view", "select", "cart-algorithm",
                                       "hide", NULL };
static const char *const rl_controls[] = { "world", "algorithm", "gamma", "slip", "alpha", "epsilon", "decay", "ties",
                                           "view-options", "compare", "edit", "seed", "step", "back", "converge",
                                           "play", "reset", "speed", "tabs", NULL };
static const char *const diffusion_keys[] = { "domain", "model", "process", "t", "sampler", "seed", "field", "hide",
                                              NULL };
static const char *const diffusion_controls[] = { "domain", "training", "sampler", "seed", "sample", "view", NULL };

const char *const *
gb_lesson_page_keys (const char *page)
{
  return g_strcmp0 (page, "latent") == 0 ? latent_keys
         : g_strcmp0 (page, "rl") == 0   ? rl_keys
         : g_strcmp0 (page, "diffusion") == 0 ? diffusion_keys : NULL;
}

const char *const *
gb_lesson_page_controls (const char *page)
{
  return g_strcmp0 (page, "latent") == 0 ? latent_controls
         : g_strcmp0 (page, "rl") == 0   ? rl_controls
         : g_strcmp0 (page, "diffusion") == 0 ? diffusion_controls : NULL;
}

void
gb_lesson_free (GbLesson *lesson)
{
  if (lesson == NULL)
    return;
  g_clear_pointer (&lesson->kf, g_key_file_unref);
  g_free (lesson->title);
  g_free (lesson->text);
  g_free (lesson->page);
  g_free (lesson->dir);
  g_strfreev (lesson->hide);
  g_free (lesson);
}

gboolean
gb_lesson_sniff (const char *text, gsize len)
{
  /* The first group, after any comments and blank lines. */
  const char *p = text, *end = text + len;
  while (p < end)
    {
      while (p < end && g_ascii_isspace (*p))
        p++;
      if (p < end && *p == '#')
        {
          const char *nl = memchr (p, '\n', end - p);
          p = nl ? nl + 1 : end;
          continue;
        }
      break;
    }
  return (gsize) (end - p) >= strlen ("[" GROUP "]") && strncmp (p, "[" GROUP "]", strlen ("[" GROUP "]")) == 0;
}

static char *
joined (const char *const *list)
{
  return g_strjoinv (", ", (char **) list);
}

GbLesson *
gb_lesson_parse (const char *text, gsize len, const char *name, const char *dir, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) e = NULL;
  if (!g_key_file_load_from_data (kf, text, len, G_KEY_FILE_KEEP_COMMENTS, &e))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: not a lesson (%s)"), name, e->message);
      return NULL;
    }
  if (!g_key_file_has_group (kf, GROUP) || g_key_file_get_integer (kf, GROUP, "version", NULL) != 1)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: not a Glassbox lesson (it needs a [%s] group with "
                   "version = 1)"), name, GROUP);
      return NULL;
    }
  g_autoptr (GbLesson) l = g_new0 (GbLesson, 1);
  l->title = g_key_file_get_locale_string (kf, GROUP, "title", NULL, NULL);
  l->text = g_key_file_get_locale_string (kf, GROUP, "text", NULL, NULL);
  l->page = g_key_file_get_string (kf, GROUP, "page", NULL);
  if (l->title == NULL || *l->title == '\0')
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: the lesson has no title"), name);
      return NULL;
    }
  const char *const *keys = gb_lesson_page_keys (l->page);
  if (keys == NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: “page” is latent, rl or diffusion, not “%s”"), name,
                   l->page ? l->page : "");
      return NULL;
    }
  /* Every key of the page's group is one the page knows; every control to hide is one it has. */
  g_auto (GStrv) present = g_key_file_get_keys (kf, l->page, NULL, NULL);
  for (int i = 0; present && present[i]; i++)
    if (strchr (present[i], '[') == NULL && !g_strv_contains (keys, present[i]))
      {
        g_autofree char *list = joined (keys);
        g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: unknown key “%s” in [%s] (it knows %s)"), name,
                     present[i], l->page, list);
        return NULL;
      }
  l->hide = g_key_file_get_string_list (kf, l->page, "hide", NULL, NULL);
  if (l->hide == NULL)
    l->hide = g_new0 (char *, 1);
  const char *const *controls = gb_lesson_page_controls (l->page);
  for (int i = 0; l->hide[i]; i++)
    {
      g_strstrip (l->hide[i]);
      if (!g_strv_contains (controls, l->hide[i]))
        {
          g_autofree char *list = joined (controls);
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: there is no control “%s” to hide on the %s page "
                       "(there are %s)"), name, l->hide[i], l->page, list);
          return NULL;
        }
    }
  if (l->text == NULL)
    l->text = g_strdup ("");
  l->dir = g_strdup (dir);
  l->kf = g_steal_pointer (&kf);
  return g_steal_pointer (&l);
}

GbLesson *
gb_lesson_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  if (len > 1 << 20)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: too large for a lesson (%zu bytes)"), path, len);
      return NULL;
    }
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *abs = g_canonicalize_filename (dir, NULL);
  g_autofree char *base = g_path_get_basename (path);
  return gb_lesson_parse (text, len, base, abs, error);
}

char *
gb_lesson_path (const GbLesson *lesson, const char *path)
{
  if (g_path_is_absolute (path) || lesson->dir == NULL)
    return g_strdup (path);
  return g_build_filename (lesson->dir, path, NULL);
}

GKeyFile *
gb_lesson_new_key_file (const char *title, const char *text, const char *page)
{
  GKeyFile *kf = g_key_file_new ();
  g_key_file_set_integer (kf, GROUP, "version", 1);
  g_key_file_set_string (kf, GROUP, "title", title);
  g_key_file_set_string (kf, GROUP, "text", text ? text : "");
  g_key_file_set_string (kf, GROUP, "page", page);
  return kf;
}

gboolean
gb_lesson_save (GKeyFile *kf, const char *path, GError **error)
{
  g_autofree char *page = g_key_file_get_string (kf, GROUP, "page", NULL);
  const char *const *controls = gb_lesson_page_controls (page);
  if (controls != NULL && g_key_file_has_group (kf, page))
    {
      g_autofree char *list = g_strjoinv (";", (char **) controls);
      g_autofree char *comment = g_strdup_printf (" hide = the controls the students do not see, any of:\n %s", list);
      g_key_file_set_comment (kf, page, NULL, comment, NULL);
    }
  gsize len = 0;
  g_autofree char *data = g_key_file_to_data (kf, &len, NULL);
  return gb_file_save (path, data, len, error);
}
