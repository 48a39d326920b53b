/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-keyfile.h — reading the text files Glassbox saves (RL sessions, cart-pole
 * policies) without trusting them.
 *
 * GKeyFile's string and list getters parse escapes, and GLib 2.74 sets its
 * GError twice (a GLib-WARNING, fatal in tests) on a value with a bad escape
 * followed by a trailing backslash, and returns NULL with no error for an
 * empty list. These read the raw value and check it first, and always say
 * what is wrong: `name` is the file's name for the message. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A string value, unescaped (\n, \t, \r, \s, \\); NULL with an error when the
 * key is missing or holds another escape. */
char   *gb_key_file_get_text    (GKeyFile *kf, const char *group, const char *key, const char *name,
                                 GError **error);
/* A list of numbers separated by ';' (as g_key_file_set_double_list writes
 * it): at least one, each a whole number in C's format (not checked to be
 * finite). Returns (len) numbers, or NULL with an error. */
double *gb_key_file_get_numbers (GKeyFile *kf, const char *group, const char *key, gsize *len,
                                 const char *name, GError **error);

G_END_DECLS
