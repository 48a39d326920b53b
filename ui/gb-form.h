/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-form.h — the small widget-building helpers the pages' side panels share:
 * headings, labelled spin buttons in a grid, drop-downs, accessible names,
 * and the painters' palette from a widget's style. */
#pragma once

#include <gtk/gtk.h>

#include "gb-paint.h"

G_BEGIN_DECLS

void           gb_form_accessible_label (GtkWidget *widget, const char *label);
/* A bold heading appended to box; an underscore in text marks a mnemonic. */
GtkWidget     *gb_form_heading   (GtkBox *box, const char *text);
/* A two-column grid (labels, controls) appended to box. */
GtkGrid       *gb_form_grid      (GtkBox *box);
/* A spin button in row `row` of grid, its mnemonic label beside it; name is
 * its accessible name. */
GtkSpinButton *gb_form_spin_row  (GtkGrid *grid, int row, const char *label, const char *name, double lo, double hi,
                                  double step, int digits, double value, const char *tooltip);
GtkDropDown   *gb_form_drop_down (const char *const *items, const char *name, const char *tooltip);
/* The palette of the widget's style: dark when its text colour is light. */
void           gb_form_palette   (GtkWidget *widget, GbPalette *pal);
/* A canvas's keyboard focus: a ring in the accent colour round its w × h
 * when it has the focus. */
void           gb_form_focus_ring (GtkWidget *canvas, cairo_t *cr, int w, int h, const GbPalette *pal);
/* For the dispose of a widget of type `type` made from a template: disposes
 * the template and unparents every child, the unnamed ones too. */
/* Hides a control with the labels that name it (those whose mnemonic widget
 * it is), for a lesson that hides it, adding what it hid to hidden (of
 * GtkWidget, referenced); gb_form_unhide shows them again. What was not
 * visible is left alone, so it stays as the page had it. */
void           gb_form_hide_control (GPtrArray *hidden, GtkWidget *control);
/* The same for a section: its heading (a label of class "heading") and what
 * follows it in its box, up to the next heading. */
void           gb_form_hide_section (GPtrArray *hidden, GtkWidget *heading);
void           gb_form_unhide       (GPtrArray *hidden);
/* Reads a lesson's boolean, number or string key into a check button, a
 * spin button (clamped to its range is an error) or nothing; TRUE when
 * absent. The messages name the lesson's key. */
gboolean       gb_form_lesson_check (GKeyFile *kf, const char *group, const char *key, GtkCheckButton *check,
                                     GError **error);
gboolean       gb_form_lesson_spin  (GKeyFile *kf, const char *group, const char *key, GtkSpinButton *spin,
                                     GError **error);
/* The index of the key's value among nicks (n of them), −1 when the key is absent; an
 * unknown value is an error that lists them. */
int            gb_form_lesson_choice (GKeyFile *kf, const char *group, const char *key, const char *const *nicks,
                                      int n, GError **error);
void           gb_form_dispose_template (GtkWidget *widget, GType type);

G_END_DECLS
