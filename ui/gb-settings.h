/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-settings.h — the app's GSettings, found installed or in the build tree. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The org.glassbox.Glassbox settings. When the schema is not installed (the
 * app runs from its build folder), the schema compiled there is used. */
GSettings *gb_settings_new (void);
/* Sets the spin button from the key, then writes the key as the value changes. */
void gb_settings_bind_spin (GSettings *settings, const char *key, GtkSpinButton *spin);

/* Sets the drop-down from a string key (one of nicks, in the drop-down's
 * order), then writes the key as the selection changes; a selection past
 * the nicks (an item added at run time, like an opened map) is not kept. */
void gb_settings_bind_drop (GSettings *settings, const char *key, GtkDropDown *drop, const char *const *nicks,
                            int n_nicks);
/* A scale's value (a double key). */
void gb_settings_bind_range (GSettings *settings, const char *key, GtkRange *range);

gboolean gb_settings_enum_to_uint (GValue *value, GVariant *variant, gpointer enum_id);
GVariant *gb_settings_uint_to_enum (const GValue *value, const GVariantType *type, gpointer enum_id);

G_END_DECLS
