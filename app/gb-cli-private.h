/* gb-cli-private.h — what the command-line verbs share. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Prints the error and returns exit status 1. */
int gb_cli_fail        (GError *error);
/* Prints the message and the verb's help, and returns exit status 2. */
int gb_cli_usage_error (GOptionContext *ctx, const char *message);
/* out with a tag before its extension: model.safetensors → model.TAG.safetensors. */
char *gb_cli_sibling_path (const char *out, const char *tag);

/* gb-cli-diffusion.c */
int gb_cli_train_diffusion  (int argc, char **argv);
int gb_cli_sample_diffusion (int argc, char **argv);
int gb_cli_render_diffusion (int argc, char **argv);
int gb_cli_train_classifier (int argc, char **argv);
int gb_cli_evaluate_diffusion (int argc, char **argv);

G_END_DECLS
