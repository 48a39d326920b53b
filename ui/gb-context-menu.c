/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-context-menu.c — the pages' context menu (gb-context-menu.h). */
#include "gb-context-menu.h"

#include <glib/gi18n.h>

static void
popup_at (GtkWidget *menu, int x, int y)
{
  GdkRectangle r = { x, y, 1, 1 };
  gtk_popover_set_pointing_to (GTK_POPOVER (menu), &r);
  gtk_popover_popup (GTK_POPOVER (menu));
}

static void
pressed_cb (GtkGestureClick *click, int n_press, double x, double y, GtkWidget *menu)
{
  gtk_gesture_set_state (GTK_GESTURE (click), GTK_EVENT_SEQUENCE_CLAIMED);
  popup_at (menu, (int) x, (int) y);
}

GtkWidget *
gb_context_menu_attach (GtkWidget *widget)
{
  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);
  g_autoptr (GMenu) model = g_menu_new ();
  g_menu_append (model, _("_Copy the Numbers"), "win.copy");
  g_menu_append (model, _("Export the _Numbers…"), "win.export-numbers");
  g_menu_append (model, _("_Export the View…"), "win.export");
  GtkWidget *menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (model));
  gtk_popover_set_has_arrow (GTK_POPOVER (menu), FALSE);
  gtk_widget_set_halign (menu, GTK_ALIGN_START);
  gtk_widget_set_parent (menu, widget);
  GtkGesture *click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), menu);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));
  return menu;
}

void
gb_context_menu_popup (GtkWidget *menu)
{
  g_return_if_fail (GTK_IS_POPOVER (menu));
  GtkWidget *parent = gtk_widget_get_parent (menu);
  popup_at (menu, gtk_widget_get_width (parent) / 2, gtk_widget_get_height (parent) / 2);
}
