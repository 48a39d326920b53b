/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-lesson.h — a lesson: a page of Glassbox set up as a teacher chose.
 *
 * A lesson is a key file a person can read and write (`.lesson`):
 *
 *   [glassbox-lesson]
 *   version = 1
 *   title = Value iteration on the 4×3 world
 *   text = Press Step and watch the values spread back from the goal. …
 *   page = rl                          # latent, rl or diffusion
 *
 *   [rl]                               # the page's own group: its settings …
 *   world = 4x3
 *   algorithm = value-iteration
 *   gamma = 1
 *   hide = algorithm;compare;edit      # … and the controls the students do not see
 *
 * Each page's keys are listed by gb_lesson_page_keys and its controls that
 * can be hidden by gb_lesson_page_controls; a lesson naming anything else is
 * refused with the list, so a typo in a teacher's file is caught at once.
 * Paths (model, map) are relative to the lesson's folder. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  GKeyFile *kf;
  char *title, *text;
  char *page;      /* "latent", "rl" or "diffusion": also the group of its settings */
  char *dir;       /* the lesson's folder (paths are relative to it), or NULL for a shipped one */
  char **hide;     /* the controls to hide (NULL-terminated, maybe empty) */
} GbLesson;

/* Parses and checks a lesson; name is what messages call it. */
GbLesson *gb_lesson_parse (const char *text, gsize len, const char *name, const char *dir, GError **error);
GbLesson *gb_lesson_load  (const char *path, GError **error);
void      gb_lesson_free  (GbLesson *lesson);
/* Whether the text starts as a lesson does (to route a file to it). */
gboolean  gb_lesson_sniff (const char *text, gsize len);

/* A new lesson for page with its header filled in; the page adds its group's keys. */
GKeyFile *gb_lesson_new_key_file (const char *title, const char *text, const char *page);
/* Writes it, atomically, with a comment listing the page's controls that can be hidden. */
gboolean  gb_lesson_save (GKeyFile *kf, const char *path, GError **error);

/* The keys of a page's group, and its controls that can be hidden (NULL-terminated). */
const char *const *gb_lesson_page_keys     (const char *page);
const char *const *gb_lesson_page_controls (const char *page);

/* An absolute path for a path the lesson names (relative to its folder). */
char     *gb_lesson_path (const GbLesson *lesson, const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbLesson, gb_lesson_free)

G_END_DECLS
