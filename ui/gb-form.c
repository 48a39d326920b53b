/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-form.c — widget-building helpers of the side panels. */
#include "gb-form.h"
#include <glib/gi18n.h>

void
gb_form_accessible_label (GtkWidget *widget, const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

GtkWidget *
gb_form_heading (GtkBox *box, const char *text)
{
  GtkWidget *l = gtk_label_new_with_mnemonic (text);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_widget_add_css_class (l, "heading");
  gtk_widget_set_margin_top (l, 8);
  gtk_box_append (box, l);
  return l;
}

GtkGrid *
gb_form_grid (GtkBox *box)
{
  GtkWidget *g = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (g), 4);
  gtk_grid_set_column_spacing (GTK_GRID (g), 8);
  gtk_box_append (box, g);
  return GTK_GRID (g);
}

GtkSpinButton *
gb_form_spin_row (GtkGrid *grid, int row, const char *label, const char *name, double lo, double hi, double step,
                  int digits, double value, const char *tooltip)
{
  GtkWidget *l = gtk_label_new_with_mnemonic (label);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  GtkWidget *s = gtk_spin_button_new_with_range (lo, hi, step);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (s), digits);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (s), value);
  gtk_widget_set_hexpand (s, TRUE);
  gtk_widget_set_tooltip_text (s, tooltip);
  gtk_label_set_mnemonic_widget (GTK_LABEL (l), s);
  gb_form_accessible_label (s, name);
  gtk_grid_attach (grid, l, 0, row, 1, 1);
  gtk_grid_attach (grid, s, 1, row, 1, 1);
  return GTK_SPIN_BUTTON (s);
}

GtkDropDown *
gb_form_drop_down (const char *const *items, const char *name, const char *tooltip)
{
  GtkWidget *d = gtk_drop_down_new_from_strings (items);
  gb_form_accessible_label (d, name);
  if (tooltip != NULL)
    gtk_widget_set_tooltip_text (d, tooltip);
  return GTK_DROP_DOWN (d);
}

void
gb_form_palette (GtkWidget *widget, GbPalette *pal)
{
  GdkRGBA fg;
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
G_GNUC_END_IGNORE_DEPRECATIONS
  gb_palette_init (pal, (0.299 * fg.red + 0.587 * fg.green + 0.114 * fg.blue) > 0.5);
}

void
gb_form_focus_ring (GtkWidget *canvas, cairo_t *cr, int w, int h, const GbPalette *pal)
{
  if (!gtk_widget_has_focus (canvas))
    return;
  gb_set_rgba (cr, &pal->accent, 0.6);
  cairo_set_line_width (cr, 2);
  cairo_rectangle (cr, 1, 1, w - 2, h - 2);
  cairo_stroke (cr);
}

void
gb_form_dispose_template (GtkWidget *widget, GType type)
{
  gtk_widget_dispose_template (widget, type);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

static void
hide (GPtrArray *hidden, GtkWidget *w)
{
  if (!gtk_widget_get_visible (w))
    return;
  gtk_widget_set_visible (w, FALSE);
  g_ptr_array_add (hidden, g_object_ref (w));
}

void
gb_form_hide_control (GPtrArray *hidden, GtkWidget *control)
{
  hide (hidden, control);
  GtkWidget *parent = gtk_widget_get_parent (control);
  for (GtkWidget *c = parent ? gtk_widget_get_first_child (parent) : NULL; c != NULL; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LABEL (c) && gtk_label_get_mnemonic_widget (GTK_LABEL (c)) == control)
      hide (hidden, c);
}

void
gb_form_hide_section (GPtrArray *hidden, GtkWidget *heading)
{
  hide (hidden, heading);
  for (GtkWidget *c = gtk_widget_get_next_sibling (heading); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_LABEL (c) && gtk_widget_has_css_class (c, "heading"))
        break;
      hide (hidden, c);
    }
}

void
gb_form_unhide (GPtrArray *hidden)
{
  for (guint i = 0; i < hidden->len; i++)
    gtk_widget_set_visible (hidden->pdata[i], TRUE);
  g_ptr_array_set_size (hidden, 0);
}

gboolean
gb_form_lesson_check (GKeyFile *kf, const char *group, const char *key, GtkCheckButton *check, GError **error)
{
  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;
  g_autoptr (GError) e = NULL;
  gboolean on = g_key_file_get_boolean (kf, group, key, &e);
  if (e != NULL)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, _("[%s] %s is true or false"), group, key);
      return FALSE;
    }
  gtk_check_button_set_active (check, on);
  return TRUE;
}

gboolean
gb_form_lesson_spin (GKeyFile *kf, const char *group, const char *key, GtkSpinButton *spin, GError **error)
{
  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;
  g_autoptr (GError) e = NULL;
  double v = g_key_file_get_double (kf, group, key, &e);
  double lo, hi;
  gtk_spin_button_get_range (spin, &lo, &hi);
  if (e != NULL || !(v >= lo && v <= hi))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, _("[%s] %s is a number from %g to %g"),
                   group, key, lo, hi);
      return FALSE;
    }
  gtk_spin_button_set_value (spin, v);
  return TRUE;
}

int
gb_form_lesson_choice (GKeyFile *kf, const char *group, const char *key, const char *const *nicks, int n,
                       GError **error)
{
  g_autofree char *v = g_key_file_get_string (kf, group, key, NULL);
  if (v == NULL)
    return -1;
  g_strstrip (v);
  for (int i = 0; i < n; i++)
    if (g_str_equal (v, nicks[i]))
      return i;
  g_autoptr (GString) list = g_string_new (NULL);
  for (int i = 0; i < n; i++)
    g_string_append_printf (list, "%s%s", i ? ", " : "", nicks[i]);
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, _("[%s] %s is one of %s, not “%s”"), group, key,
               list->str, v);
  return -2;
}
