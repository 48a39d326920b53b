/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-lesson-bar.c — the lesson on show (gb-lesson-bar.h). */
#include "gb-lesson-bar.h"

#include <glib/gi18n.h>

struct _GbLessonBar {
  GtkWidget parent_instance;
  GtkWidget *box;
  GtkLabel *title, *text;
};

G_DEFINE_FINAL_TYPE (GbLessonBar, gb_lesson_bar, GTK_TYPE_WIDGET)

enum { END, N_SIGNALS };
static guint signals[N_SIGNALS];

void
gb_lesson_bar_set (GbLessonBar *self, const char *title, const char *text)
{
  gtk_widget_set_visible (GTK_WIDGET (self), title != NULL);
  gtk_label_set_text (self->title, title ? title : "");
  gtk_label_set_text (self->text, text ? text : "");
  g_autofree char *said = g_strdup_printf ("%s. %s", title ? title : "", text ? text : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, said, -1);
}

static void
end_clicked_cb (GbLessonBar *self)
{
  g_signal_emit (self, signals[END], 0);
}

static void
gb_lesson_bar_dispose (GObject *object)
{
  GbLessonBar *self = GB_LESSON_BAR (object);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (gb_lesson_bar_parent_class)->dispose (object);
}

static void
gb_lesson_bar_class_init (GbLessonBarClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = gb_lesson_bar_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lessonbar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  signals[END] = g_signal_new ("end", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                               G_TYPE_NONE, 0);
}

static void
gb_lesson_bar_init (GbLessonBar *self)
{
  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  gtk_widget_add_css_class (self->box, "lesson");
  GtkWidget *words = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (words, TRUE);
  self->title = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->title), "heading");
  gtk_label_set_xalign (self->title, 0);
  self->text = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->text, 0);
  gtk_label_set_wrap (self->text, TRUE);
  gtk_label_set_selectable (self->text, FALSE);
  gtk_box_append (GTK_BOX (words), GTK_WIDGET (self->title));
  gtk_box_append (GTK_BOX (words), GTK_WIDGET (self->text));
  GtkWidget *end = gtk_button_new_with_mnemonic (_("_End Lesson"));
  gtk_widget_set_valign (end, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (end, _("Show every control again"));
  g_signal_connect_swapped (end, "clicked", G_CALLBACK (end_clicked_cb), self);
  gtk_box_append (GTK_BOX (self->box), words);
  gtk_box_append (GTK_BOX (self->box), end);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Lesson"), -1);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}
