/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-lesson-bar.h — the lesson on show, above the pages: its title and its
 * text (what to do and what to look at), and End Lesson, which emits "end". */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GB_TYPE_LESSON_BAR (gb_lesson_bar_get_type ())
G_DECLARE_FINAL_TYPE (GbLessonBar, gb_lesson_bar, GB, LESSON_BAR, GtkWidget)

/* Shows the lesson (title NULL: hides the bar). */
void gb_lesson_bar_set (GbLessonBar *self, const char *title, const char *text);

G_END_DECLS
