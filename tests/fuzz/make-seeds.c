/* SPDX-License-Identifier: GPL-3.0-or-later */
/* make-seeds.c — writes the fuzzers' seed corpus: small, real files of every
 * kind, made by the core's own writers (so the corpus follows the formats).
 *
 *   _build/tests/fuzz/make-seeds tests/fuzz/corpus
 *
 * Real files from elsewhere (a VAE saved by PyTorch, Fashion-MNIST's first
 * images) are copied in beside these; tests/fuzz/README.md lists them. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "gb-rl-cartpole.h"
#include "gb-diffusion-classifier.h"
#include "gb-diffusion-denoiser.h"
#include "gb-rl-session.h"
#include "gb-rng.h"
#include "gb-vae-file.h"

static const char *root;

static char *
seed_path (const char *parser, const char *name)
{
  g_autofree char *dir = g_build_filename (root, parser, NULL);
  g_mkdir_with_parents (dir, 0755);
  return g_build_filename (dir, name, NULL);
}

static void
check (gboolean ok, GError *error)
{
  if (!ok)
    {
      fprintf (stderr, "make-seeds: %s\n", error ? error->message : "failed");
      exit (1);
    }
}

static void
vae_seeds (void)
{
  GError *error = NULL;
  GbVaeConfig c = { 16, 8, 2 };
  g_autoptr (GbVae) vae = gb_vae_new (&c, &error);
  check (vae != NULL, error);
  g_autofree char *p = seed_path ("vae", "vae-16-8-2.safetensors");
  check (gb_vae_save (vae, p, &error), error);
  g_autofree char *q = seed_path ("safetensors", "vae-16-8-2.safetensors");
  check (gb_vae_save (vae, q, &error), error);
}

static void
denoiser_seeds (void)
{
  GError *error = NULL;
  g_autoptr (GbDenoiser) mlp = gb_denoiser_new_mlp (2, 8, GB_SCHEDULE_LINEAR, 50, 1, &error);
  check (mlp != NULL, error);
  g_autofree char *p = seed_path ("denoiser", "mlp-2-8.safetensors");
  check (gb_denoiser_save (mlp, p, &error), error);

  /* An MLP over a fitted Gaussian, as the image models are. */
  g_autoptr (GbDenoiser) g = gb_denoiser_new_mlp (4, 8, GB_SCHEDULE_COSINE, 20, 2, &error);
  check (g != NULL, error);
  GbRng rng;
  gb_rng_init (&rng, 3);
  float x[32];
  for (int i = 0; i < 32; i++)
    x[i] = gb_rng_normal (&rng);
  check (gb_denoiser_fit_gaussian (g, x, 8, &error), error);
  g_autofree char *q = seed_path ("denoiser", "mlp-gaussian-4-8.safetensors");
  check (gb_denoiser_save (g, q, &error), error);

  g_autoptr (GbDenoiser) u = gb_denoiser_new_unet (8, 8, 3, GB_SCHEDULE_LINEAR, 20, 4, &error);
  check (u != NULL, error);
  g_autofree char *r = seed_path ("denoiser", "unet-8-8-classes3.safetensors");
  check (gb_denoiser_save (u, r, &error), error);
  g_autofree char *s = seed_path ("safetensors", "unet-8-8-classes3.safetensors");
  check (gb_denoiser_save (u, s, &error), error);
}

static void
classifier_seeds (void)
{
  GError *error = NULL;
  g_autoptr (GbClassifier) mlp = gb_classifier_new (16, 8, 3, 1, &error);
  check (mlp != NULL, error);
  g_autofree char *p = seed_path ("classifier", "mlp-16-8-3.safetensors");
  check (gb_classifier_save (mlp, p, &error), error);
  g_autoptr (GbClassifier) conv = gb_classifier_new_conv (8, 8, 3, 1, &error);
  check (conv != NULL, error);
  g_autofree char *q = seed_path ("classifier", "conv-8-8-3.safetensors");
  check (gb_classifier_save (conv, q, &error), error);
}

static void
rl_seeds (void)
{
  GError *error = NULL;
  const char *presets[] = { "4x3", "cliff", "frozenlake4", "maze" };
  for (gsize i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.txt", presets[i]);
      g_autofree char *p = seed_path ("map", name);
      check (g_file_set_contents (p, gb_grid_preset_text (presets[i]), -1, &error), error);
    }

  g_autoptr (GbGrid) grid = gb_grid_preset ("4x3", &error);
  check (grid != NULL, error);
  int n = grid->mdp->n_states;
  g_autofree double *V = g_new0 (double, n);
  g_autofree int *pi = g_new0 (int, n);
  gb_value_iteration (grid->mdp, V, 1e-6, 100);
  GbRlSession dp = { grid, (char *) "value-iteration", { 0 }, 12, V, pi, NULL };
  gb_td_config_init (&dp.td);
  g_autofree char *p = seed_path ("rl-session", "4x3-value-iteration.session");
  check (gb_rl_session_save (&dp, p, &error), error);

  GbTdConfig c;
  gb_td_config_init (&c);
  c.algo = GB_TD_Q_LEARNING;
  g_autoptr (GbTdAgent) agent = gb_td_agent_new (grid->mdp, &c, &error);
  check (agent != NULL, error);
  for (int e = 0; e < 20; e++)
    gb_td_agent_run_episode (agent);
  for (int s = 0; s < n; s++)
    pi[s] = gb_td_agent_greedy (agent, s);
  GbRlSession td = { grid, (char *) "q-learning", c, 20, V, pi, agent->Q };
  g_autofree char *q = seed_path ("rl-session", "4x3-q-learning.session");
  check (gb_rl_session_save (&td, q, &error), error);

  GbReinforceConfig rc;
  gb_reinforce_config_init (&rc);
  GbReinforce *r = gb_reinforce_new (&rc, &error);
  check (r != NULL, error);
  for (int e = 0; e < 5; e++)
    gb_reinforce_episode (r, NULL);
  g_autofree char *cp = seed_path ("cartpole-policy", "reinforce-5.policy");
  check (gb_reinforce_save (r, cp, &error), error);
  gb_reinforce_free (r);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: make-seeds CORPUS-DIR\n");
      return 2;
    }
  root = argv[1];
  vae_seeds ();
  denoiser_seeds ();
  classifier_seeds ();
  rl_seeds ();
  return 0;
}
