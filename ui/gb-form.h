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
void           gb_form_dispose_template (GtkWidget *widget, GType type);

G_END_DECLS
