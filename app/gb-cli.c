/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-cli.c — the command line: which verb runs, --help and --version. */
#include "gb-cli.h"
#include "gb-cli-common.h"
#include "gb-cli-verbs.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "gb-blas.h"

/* --- dispatch --- */

static void
print_help (void)
{
  printf (_("Usage:\n"
          "  glassbox [MODEL.safetensors]  open the app (and the model)\n"
          "  glassbox train vae [OPTION…]  train the VAE on Fashion-MNIST (or any IDX data set)\n"
          "  glassbox render latent [OPTION…]  draw the latent-space view to PNG, SVG or PDF\n"
          "  glassbox rl --env E --algo A  solve or learn a gridworld, print values and policy\n"
          "  glassbox render rl --env E --algo A --out F  draw a gridworld's values and policy\n"
          "  glassbox render cartpole --out F  train REINFORCE on cart-pole and draw it\n"
          "  glassbox train diffusion --data D --out F  train a diffusion model on a 2-d toy distribution\n"
          "  glassbox sample diffusion --model F --out P  sample a diffusion model and draw the samples\n"
          "  glassbox render diffusion --model F --t T --out P  draw the forward or reverse process at t\n"
          "  glassbox train classifier --out F  train the classifier that judges image samples\n"
          "  glassbox evaluate diffusion --model F --classifier C  judge an image model's samples\n"
          "  glassbox evaluate vae [--model F]  ELBO, IWAE, log p(x) and the gaps over test images\n"
          "\n"
          "Each command takes --help.\n"));
}

gboolean
gb_cli_is_command (int argc, char **argv)
{
  if (argc < 2)
    return FALSE;
  /* A model file opens in the app; any other word is a command (unknown ones
   * get a message); options such as --display go to GTK. */
  if (g_str_has_suffix (argv[1], ".safetensors") || g_file_test (argv[1], G_FILE_TEST_EXISTS))
    return FALSE;
  if (argv[1][0] != '-')
    return TRUE;
  const char *verbs[] = { "--help", "-h", "--version" };
  for (gsize i = 0; i < G_N_ELEMENTS (verbs); i++)
    if (g_str_equal (argv[1], verbs[i]))
      return TRUE;
  return FALSE;
}

/* Each verb with its object ("train vae"), or alone ("rl"); the function
 * gets the arguments from the last word of the command on. */
static const struct {
  const char *verb, *what;
  int (*run) (int argc, char **argv);
} commands[] = {
  { "train", "vae", gb_cli_train_vae },
  { "render", "latent", gb_cli_render_latent },
  { "rl", NULL, gb_cli_rl },
  { "render", "rl", gb_cli_render_rl },
  { "render", "cartpole", gb_cli_render_cartpole },
  { "train", "diffusion", gb_cli_train_diffusion },
  { "sample", "diffusion", gb_cli_sample_diffusion },
  { "render", "diffusion", gb_cli_render_diffusion },
  { "train", "classifier", gb_cli_train_classifier },
  { "evaluate", "diffusion", gb_cli_evaluate_diffusion },
  { "evaluate", "vae", gb_cli_evaluate_vae },
};

int
gb_cli_run (int argc, char **argv)
{
  const char *verb = argv[1];
  if (g_str_equal (verb, "--version"))
    {
      g_autofree char *blas = gb_blas_describe ();
      printf ("glassbox %s\n%s", GB_VERSION, blas);
      return 0;
    }
  if (g_str_equal (verb, "help") || g_str_equal (verb, "--help") || g_str_equal (verb, "-h"))
    {
      print_help ();
      return 0;
    }
  const char *what = argc > 2 ? argv[2] : NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (!g_str_equal (verb, commands[i].verb))
        continue;
      /* The usage line names the whole command: "glassbox train vae [OPTION…]". */
      if (commands[i].what == NULL)
        {
          g_autofree char *name = g_strdup_printf ("glassbox %s", verb);
          g_set_prgname (name);
          return commands[i].run (argc - 1, argv + 1);
        }
      if (g_strcmp0 (what, commands[i].what) == 0)
        {
          g_autofree char *name = g_strdup_printf ("glassbox %s %s", verb, what);
          g_set_prgname (name);
          return commands[i].run (argc - 2, argv + 2);
        }
    }
  g_printerr (_("glassbox: unknown command “%s%s%s”\n\n"), verb, what ? " " : "", what ? what : "");
  print_help ();
  return GB_CLI_EXIT_USAGE;
}
