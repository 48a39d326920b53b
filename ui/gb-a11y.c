/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-a11y.c — buttons named once, by what they show (gb-a11y.h). */
#include "gb-a11y.h"

#include <string.h>

/* A translation whose words lack the original's mnemonic letter shows it
 * after them, "Vorwärts (_F)": the key is no part of the name. */
static gboolean
has_key_suffix (const char *label)
{
  gsize n = strlen (label);
  return n >= 5 && label[n - 5] == ' ' && label[n - 4] == '(' && label[n - 3] == '_' && g_ascii_isalnum (label[n - 2])
         && label[n - 1] == ')';
}

char *
gb_a11y_strip_mnemonic (const char *label)
{
  GString *s = g_string_new (NULL);
  gsize n = strlen (label) - (has_key_suffix (label) ? 5 : 0);
  for (const char *p = label; p < label + n; p++)
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
  /* A field named by its mnemonic label: GTK reads the label as it is, so a
   * translation's trailing key would be said ("Abspieltempo (Y)"). */
  if (GTK_IS_LABEL (root) && gtk_label_get_use_underline (GTK_LABEL (root))
      && gtk_label_get_mnemonic_widget (GTK_LABEL (root)) != NULL)
    {
      const char *label = gtk_label_get_label (GTK_LABEL (root));
      if (has_key_suffix (label))
        {
          GtkWidget *field = gtk_label_get_mnemonic_widget (GTK_LABEL (root));
          g_autofree char *text = gb_a11y_strip_mnemonic (label);
          gtk_accessible_update_property (GTK_ACCESSIBLE (field), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
          gtk_accessible_reset_relation (GTK_ACCESSIBLE (field), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
        }
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
