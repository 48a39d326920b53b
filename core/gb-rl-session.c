/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-session.c — RL sessions as key files. */
#include "gb-rl-session.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-file.h"
#include "gb-keyfile.h"

#define GROUP "glassbox-rl"

void
gb_rl_session_free (GbRlSession *s)
{
  if (s == NULL)
    return;
  gb_grid_free (s->grid);
  g_free (s->algo);
  g_free (s->V);
  g_free (s->pi);
  g_free (s->Q);
  g_free (s);
}

gboolean
gb_rl_session_save (const GbRlSession *s, const char *path, GError **error)
{
  g_return_val_if_fail (s != NULL && s->grid != NULL && s->V != NULL && s->pi != NULL, FALSE);
  int n = s->grid->mdp->n_states;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *map = gb_grid_to_text (s->grid);
  g_key_file_set_integer (kf, GROUP, "version", 1);
  g_key_file_set_string (kf, GROUP, "map", map);
  g_key_file_set_string (kf, GROUP, "algo", s->algo);
  g_key_file_set_double (kf, GROUP, "alpha", s->td.alpha);
  g_key_file_set_double (kf, GROUP, "gamma", s->td.gamma);
  g_key_file_set_double (kf, GROUP, "epsilon", s->td.epsilon);
  g_key_file_set_double (kf, GROUP, "epsilon-decay", s->td.epsilon_decay);
  g_key_file_set_double (kf, GROUP, "epsilon-min", s->td.epsilon_min);
  g_key_file_set_uint64 (kf, GROUP, "seed", s->td.seed);
  g_key_file_set_boolean (kf, GROUP, "first-of-ties", s->td.first_of_ties);
  g_key_file_set_integer (kf, GROUP, "episodes", s->episodes);
  g_key_file_set_double_list (kf, GROUP, "V", s->V, n);
  g_key_file_set_integer_list (kf, GROUP, "policy", (int *) s->pi, n);
  if (s->Q != NULL)
    g_key_file_set_double_list (kf, GROUP, "Q", s->Q, (gsize) n * 4);
  gsize len = 0;
  g_autofree char *text = g_key_file_to_data (kf, &len, NULL);
  return gb_file_save (path, text, len, error);
}

static double *
read_doubles (GKeyFile *kf, const char *key, gsize want, const char *name, GError **error)
{
  gsize len = 0;
  g_autofree double *v = gb_key_file_get_numbers (kf, GROUP, key, &len, name, error);
  if (v == NULL)
    return NULL;
  if (len != want)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: “%s” holds %zu numbers, the map needs %zu"),
                   name, key, len, want);
      return NULL;
    }
  for (gsize i = 0; i < len; i++)
    if (!isfinite (v[i]))
      {
        g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: “%s” holds a value that is not a number"), name, key);
        return NULL;
      }
  return g_steal_pointer (&v);
}

GbRlSession *
gb_rl_session_load (const char *path, GError **error)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: not a session file (%s)"), name, local->message);
      return NULL;
    }
  if (!g_key_file_has_group (kf, GROUP) || g_key_file_get_integer (kf, GROUP, "version", NULL) != 1)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: not a Glassbox RL session (version 1)"), name);
      return NULL;
    }
  g_autoptr (GbRlSession) s = g_new0 (GbRlSession, 1);
  g_autofree char *map = gb_key_file_get_text (kf, GROUP, "map", name, error);
  if (map == NULL || (s->algo = gb_key_file_get_text (kf, GROUP, "algo", name, error)) == NULL)
    return NULL;
  GbTdAlgo td;
  if (!g_str_equal (s->algo, "value-iteration") && !g_str_equal (s->algo, "policy-iteration")
      && !g_str_equal (s->algo, "policy-evaluation") && !gb_td_algo_parse (s->algo, &td))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: unknown algorithm “%s”"), name, s->algo);
      return NULL;
    }
  s->grid = gb_grid_parse (map, name, error);
  if (s->grid == NULL)
    return NULL;
  gb_td_config_init (&s->td);
  if (gb_td_algo_parse (s->algo, &td))
    s->td.algo = td;
  s->td.alpha = g_key_file_get_double (kf, GROUP, "alpha", NULL);
  s->td.gamma = g_key_file_get_double (kf, GROUP, "gamma", NULL);
  s->td.epsilon = g_key_file_get_double (kf, GROUP, "epsilon", NULL);
  s->td.epsilon_decay = g_key_file_get_double (kf, GROUP, "epsilon-decay", NULL);
  s->td.epsilon_min = g_key_file_get_double (kf, GROUP, "epsilon-min", NULL);
  s->td.seed = g_key_file_get_uint64 (kf, GROUP, "seed", NULL);
  s->td.first_of_ties = g_key_file_get_boolean (kf, GROUP, "first-of-ties", NULL);   /* absent: FALSE */
  s->episodes = g_key_file_get_integer (kf, GROUP, "episodes", NULL);
  if (!gb_td_config_check (&s->td, &local))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: %s", name, local->message);
      return NULL;
    }
  gsize n = (gsize) s->grid->mdp->n_states;
  if ((s->V = read_doubles (kf, "V", n, name, error)) == NULL)
    return NULL;
  g_autofree double *pv = read_doubles (kf, "policy", n, name, error);
  if (pv == NULL)
    return NULL;
  g_autofree int *pi = g_new (int, n);
  for (gsize i = 0; i < n; i++)
    {
      if (!(pv[i] == 0 || pv[i] == 1 || pv[i] == 2 || pv[i] == 3))
        {
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: “policy” holds action %g, outside 0…3"),
                       name, pv[i]);
          return NULL;
        }
      pi[i] = (int) pv[i];
    }
  s->pi = g_steal_pointer (&pi);
  if (g_key_file_has_key (kf, GROUP, "Q", NULL) && (s->Q = read_doubles (kf, "Q", n * 4, name, error)) == NULL)
    return NULL;
  return g_steal_pointer (&s);
}
