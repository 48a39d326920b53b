/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-settings.c — GSettings with a build-tree fallback, and spin-button binding. */
#include "gb-settings.h"

#define SCHEMA_ID "org.glassbox.Glassbox"

GSettings *
gb_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE) : NULL;
  if (schema == NULL)
    {
      /* Running uninstalled: the schema compiled next to the build. */
      g_autoptr (GError) error = NULL;
      g_autoptr (GSettingsSchemaSource) local =
        g_settings_schema_source_new_from_directory (GB_BUILD_SCHEMA_DIR, source, FALSE, &error);
      if (local == NULL)
        g_error ("no GSettings schema %s installed or in %s: %s", SCHEMA_ID, GB_BUILD_SCHEMA_DIR, error->message);
      schema = g_settings_schema_source_lookup (local, SCHEMA_ID, FALSE);
      if (schema == NULL)
        g_error ("no GSettings schema %s in %s", SCHEMA_ID, GB_BUILD_SCHEMA_DIR);
    }
  return g_settings_new_full (schema, NULL, NULL);
}

typedef struct {
  GSettings *settings;
  char *key;
} SpinBinding;

static void
spin_binding_free (gpointer data, GClosure *closure)
{
  SpinBinding *b = data;
  g_object_unref (b->settings);
  g_free (b->key);
  g_free (b);
}

static void
spin_changed_cb (GtkSpinButton *spin, SpinBinding *b)
{
  g_autoptr (GVariant) cur = g_settings_get_value (b->settings, b->key);
  if (g_variant_is_of_type (cur, G_VARIANT_TYPE_INT32))
    g_settings_set_int (b->settings, b->key, gtk_spin_button_get_value_as_int (spin));
  else
    g_settings_set_double (b->settings, b->key, gtk_spin_button_get_value (spin));
}

void
gb_settings_bind_spin (GSettings *settings, const char *key, GtkSpinButton *spin)
{
  g_autoptr (GVariant) v = g_settings_get_value (settings, key);
  double value = g_variant_is_of_type (v, G_VARIANT_TYPE_INT32) ? g_variant_get_int32 (v) : g_variant_get_double (v);
  gtk_spin_button_set_value (spin, value);
  SpinBinding *b = g_new0 (SpinBinding, 1);
  b->settings = g_object_ref (settings);
  b->key = g_strdup (key);
  g_signal_connect_data (spin, "value-changed", G_CALLBACK (spin_changed_cb), b, spin_binding_free, 0);
}

gboolean
gb_settings_enum_to_uint (GValue *value, GVariant *variant, gpointer enum_id)
{
  const char *nick = g_variant_get_string (variant, NULL);
  g_value_set_uint (value, g_str_equal (nick, "region") ? 1 : 0);
  return TRUE;
}

GVariant *
gb_settings_uint_to_enum (const GValue *value, const GVariantType *type, gpointer enum_id)
{
  return g_variant_new_string (g_value_get_uint (value) == 1 ? "region" : "icdf");
}

typedef struct {
  GSettings *settings;
  char *key;
  const char *const *nicks;
  int n;
} DropBinding;

static void
drop_binding_free (gpointer data, GClosure *closure)
{
  DropBinding *b = data;
  g_object_unref (b->settings);
  g_free (b->key);
  g_free (b);
}

static void
drop_changed_cb (GtkDropDown *drop, GParamSpec *pspec, DropBinding *b)
{
  guint i = gtk_drop_down_get_selected (drop);
  if (i < (guint) b->n)
    g_settings_set_string (b->settings, b->key, b->nicks[i]);
}

void
gb_settings_bind_drop (GSettings *settings, const char *key, GtkDropDown *drop, const char *const *nicks, int n_nicks)
{
  g_autofree char *nick = g_settings_get_string (settings, key);
  for (int i = 0; i < n_nicks; i++)
    if (g_str_equal (nick, nicks[i]) && gtk_drop_down_get_selected (drop) != (guint) i)
      gtk_drop_down_set_selected (drop, i);
  DropBinding *b = g_new0 (DropBinding, 1);
  b->settings = g_object_ref (settings);
  b->key = g_strdup (key);
  b->nicks = nicks, b->n = n_nicks;
  g_signal_connect_data (drop, "notify::selected", G_CALLBACK (drop_changed_cb), b, drop_binding_free, 0);
}

void
gb_settings_bind_range (GSettings *settings, const char *key, GtkRange *range)
{
  gtk_range_set_value (range, g_settings_get_double (settings, key));
  g_settings_bind (settings, key, gtk_range_get_adjustment (range), "value", G_SETTINGS_BIND_SET);
}
