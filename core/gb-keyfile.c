/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-keyfile.c — checked readers of GKeyFile values. */
#include "gb-keyfile.h"
#include <glib/gi18n.h>

#include <string.h>

#include "gb-error.h"

static const char *
raw_value (GKeyFile *kf, const char *group, const char *key, const char *name, char **owned,
           GError **error)
{
  *owned = g_key_file_get_value (kf, group, key, NULL);
  if (*owned == NULL)
    g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: there is no “%s”"), name, key);
  return *owned;
}

char *
gb_key_file_get_text (GKeyFile *kf, const char *group, const char *key, const char *name, GError **error)
{
  g_autofree char *raw = NULL;
  if (raw_value (kf, group, key, name, &raw, error) == NULL)
    return NULL;
  for (const char *p = raw; *p != '\0'; p++)
    if (*p == '\\')
      {
        if (p[1] == '\0' || strchr ("sntr\\", p[1]) == NULL)
          {
            g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: “%s” holds a backslash that is not "
                         "one of the escapes \\n, \\t, \\r, \\s, \\\\"), name, key);
            return NULL;
          }
        p++;
      }
  /* Every escape is one GLib knows: what is left to fail is the encoding. */
  g_autoptr (GError) local = NULL;
  char *text = g_key_file_get_string (kf, group, key, &local);
  if (text == NULL)
    g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: “%s”: %s", name, key,
                 local != NULL ? local->message : "cannot be read");
  return text;
}

double *
gb_key_file_get_numbers (GKeyFile *kf, const char *group, const char *key, gsize *len, const char *name,
                         GError **error)
{
  g_autofree char *raw = NULL;
  if (raw_value (kf, group, key, name, &raw, error) == NULL)
    return NULL;
  g_auto (GStrv) parts = g_strsplit (raw, ";", -1);
  guint n = g_strv_length (parts);
  if (n > 0 && g_strstrip (parts[n - 1])[0] == '\0')
    n--;   /* the writer ends a list with ';' */
  if (n == 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: “%s” is empty"), name, key);
      return NULL;
    }
  g_autofree double *v = g_new (double, n);
  for (guint i = 0; i < n; i++)
    {
      const char *s = g_strstrip (parts[i]);
      char *end = NULL;
      v[i] = g_ascii_strtod (s, &end);
      if (s[0] == '\0' || end == NULL || *end != '\0')
        {
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: “%s”: item %u (“%.20s”) is not a number"),
                       name, key, i + 1, s);
          return NULL;
        }
    }
  *len = n;
  return g_steal_pointer (&v);
}
