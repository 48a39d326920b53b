/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-cli-verbs.h — the command line's verbs, one file per family; gb-cli.c
 * dispatches to them. Each takes the arguments from its last word on and
 * returns the exit status. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* gb-cli-vae.c */
int gb_cli_train_vae      (int argc, char **argv);
int gb_cli_render_latent  (int argc, char **argv);

/* gb-cli-rl.c */
int gb_cli_rl              (int argc, char **argv);
/* `rl --env cartpole` and `rl --env short-corridor` (gb-cli-rl-cartpole.c), dispatched from gb_cli_rl. */
int gb_cli_rl_cartpole     (int argc, char **argv);
int gb_cli_rl_corridor     (int argc, char **argv);
int gb_cli_render_rl       (int argc, char **argv);
int gb_cli_render_cartpole (int argc, char **argv);

/* gb-cli-diffusion.c */
int gb_cli_train_diffusion    (int argc, char **argv);
int gb_cli_sample_diffusion   (int argc, char **argv);
int gb_cli_render_diffusion   (int argc, char **argv);
int gb_cli_train_classifier   (int argc, char **argv);
int gb_cli_evaluate_diffusion (int argc, char **argv);
int gb_cli_evaluate_vae       (int argc, char **argv);

G_END_DECLS
