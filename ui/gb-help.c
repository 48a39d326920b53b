/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "gb-help.h"

#include <glib/gi18n.h>

/* Yelp: the Mallard pages installed where it looks, and a handler of help: URIs. */
static gboolean
yelp_can_show (void)
{
  g_autofree char *index = g_build_filename (GB_HELP_DIR, "C", "glassbox", "index.page", NULL);
  if (!g_file_test (index, G_FILE_TEST_EXISTS))
    return FALSE;
  g_autoptr (GAppInfo) handler = g_app_info_get_default_for_uri_scheme ("help");
  return handler != NULL;
}

/* The HTML guide: $GLASSBOX_HELP_HTML, the installed copy, or the build tree's;
 * in the folder of the first of the user's languages it is translated into
 * (de/, as Yelp picks help/de/), else the C one at its top. */
static char *
html_dir (void)
{
  const char *dirs[] = { g_getenv ("GLASSBOX_HELP_HTML"), GB_HELP_HTML_DIR, GB_BUILD_HELP_HTML_DIR };
  const char *const *languages = g_get_language_names_with_category ("LC_MESSAGES");
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      if (dirs[i] == NULL || *dirs[i] == '\0')
        continue;
      g_autofree char *index = g_build_filename (dirs[i], "index.html", NULL);
      if (!g_file_test (index, G_FILE_TEST_IS_REGULAR))
        continue;
      for (guint k = 0; languages[k] != NULL && !g_str_equal (languages[k], "C"); k++)
        {
          g_autofree char *lang_dir = g_build_filename (dirs[i], languages[k], NULL);
          g_autofree char *lang_index = g_build_filename (lang_dir, "index.html", NULL);
          if (g_file_test (lang_index, G_FILE_TEST_IS_REGULAR))
            return g_steal_pointer (&lang_dir);
        }
      return g_strdup (dirs[i]);
    }
  return NULL;
}

char *
gb_help_uri (const char *topic, GError **error)
{
  const char *page = topic != NULL && *topic != '\0' ? topic : "index";
  if (yelp_can_show ())
    return g_str_equal (page, "index") ? g_strdup ("help:glassbox") : g_strdup_printf ("help:glassbox/%s", page);
  g_autofree char *dir = html_dir ();
  if (dir == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The user guide is not installed (looked for %s and %s)."), GB_HELP_DIR "/C/glassbox",
                   GB_HELP_HTML_DIR);
      return NULL;
    }
  g_autofree char *file = g_strdup_printf ("%s.html", page);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_free (path);
      path = g_build_filename (dir, "index.html", NULL);
    }
  return g_filename_to_uri (path, NULL, error);
}

typedef struct {
  GbHelpFailed failed;
  gpointer data;
  char *uri;
} Shown;

static void
shown_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Shown *s = user_data;
  g_autoptr (GError) error = NULL;
  if (!gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error) && s->failed != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not open the user guide (%s): %s"), s->uri,
                                                  error->message);
      s->failed (message, s->data);
    }
  g_free (s->uri);
  g_free (s);
}

void
gb_help_show (GtkWindow *parent, const char *topic, GbHelpFailed failed, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = gb_help_uri (topic, &error);
  if (uri == NULL)
    {
      if (failed != NULL)
        failed (error->message, data);
      return;
    }
  g_debug ("help: opening %s", uri);
  Shown *s = g_new0 (Shown, 1);
  s->failed = failed;
  s->data = data;
  s->uri = g_strdup (uri);
  gtk_show_uri_full (parent, uri, GDK_CURRENT_TIME, NULL, shown_cb, s);
}
