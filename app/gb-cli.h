/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-cli.h — the command line: `glassbox train …`, `glassbox render …`. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when argv names a command-line verb rather than the app. */
gboolean gb_cli_is_command (int argc, char **argv);
/* Runs the verb; returns the process exit status. */
int      gb_cli_run        (int argc, char **argv);

G_END_DECLS
