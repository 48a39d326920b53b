/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-a11y.c — buttons named once, by what they show (gb-a11y.h). */
#include "gb-a11y.h"

char *
gb_a11y_strip_mnemonic (const char *label)
{
  GString *s = g_string_new (NULL);
  for (const char *p = label; *p; p++)
    {
      if (*p == '_')
        {
          if (p[1] == '_')
            g_string_append_c (s, '_'), p++;
          continue;
        }
      g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

static void
name_button (GtkWidget *w)
{
  const char *label = GTK_IS_CHECK_BUTTON (w) ? gtk_check_button_get_label (GTK_CHECK_BUTTON (w))
                                              : gtk_button_get_label (GTK_BUTTON (w));
  if (label == NULL || *label == '\0')
    return;
  gboolean underline = GTK_IS_CHECK_BUTTON (w) ? gtk_check_button_get_use_underline (GTK_CHECK_BUTTON (w))
                                               : gtk_button_get_use_underline (GTK_BUTTON (w));
  g_autofree char *text = underline ? gb_a11y_strip_mnemonic (label) : g_strdup (label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  /* The child label would say it a second time. */
  if (GTK_IS_BUTTON (w))
    gtk_accessible_reset_relation (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

static void
label_changed_cb (GtkWidget *w, GParamSpec *pspec, gpointer data)
{
  name_button (w);
}

void
gb_a11y_tidy (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));
  /* Buttons whose label GTK owns: a plain GtkButton, a toggle, a check button
   * (not a menu button's inner toggle, which has no label of its own). */
  if ((GTK_IS_BUTTON (root) || GTK_IS_CHECK_BUTTON (root))
      && g_object_get_data (G_OBJECT (root), "gb-a11y-tidy") == NULL)
    {
      g_object_set_data (G_OBJECT (root), "gb-a11y-tidy", GINT_TO_POINTER (1));
      g_signal_connect (root, "notify::label", G_CALLBACK (label_changed_cb), NULL);
      name_button (root);
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    gb_a11y_tidy (c);
}

void
gb_a11y_describe (GtkWidget *w, const char *text)
{
  g_return_if_fail (GTK_IS_WIDGET (w));
  const char *last = g_object_get_data (G_OBJECT (w), "gb-a11y-description");
  if (g_strcmp0 (last, text) == 0)
    return;
  g_object_set_data_full (G_OBJECT (w), "gb-a11y-description", g_strdup (text), g_free);
  gtk_accessible_update_property (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text ? text : "", -1);
}
