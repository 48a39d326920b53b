/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-application.c — the application object. */
#include "gb-application.h"

#include "gb-blas.h"

#include <glib/gi18n.h>

#include <epoxy/gl.h>
#include <string.h>

#include "gb-settings.h"
#include "gb-window.h"

struct _GbApplication {
  GtkApplication parent_instance;
  GSettings *settings;
  gint64 started_us;
};

G_DEFINE_FINAL_TYPE (GbApplication, gb_application, GTK_TYPE_APPLICATION)

static void
apply_style (GbApplication *self)
{
  g_autofree char *style = g_settings_get_string (self->settings, "style");
  GtkSettings *gs = gtk_settings_get_default ();
  if (gs == NULL)
    return;
  if (g_str_equal (style, "system"))
    gtk_settings_reset_property (gs, "gtk-application-prefer-dark-theme");
  else
    g_object_set (gs, "gtk-application-prefer-dark-theme", g_str_equal (style, "dark"), NULL);
}

static void
style_changed_cb (GSettings *settings, const char *key, GbApplication *self)
{
  apply_style (self);
}

static void
about_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  GtkApplication *app = data;
  const char *authors[] = { "The Glassbox developers", NULL };
  /* What the views teach and the data they learn from: the credit it is owed. */
  const char *data_credits[] = { "Fashion-MNIST by Han Xiao, Kashif Rasul and Roland Vollgraf, Zalando Research "
                                 "(MIT licence) https://github.com/zalandoresearch/fashion-mnist",
                                 NULL };
  const char *method_credits[] = { "Auto-encoding variational Bayes: Kingma and Welling, 2014",
                                   "Importance-weighted auto-encoders: Burda, Grosse and Salakhutdinov, 2016",
                                   "Inference suboptimality: Cremer, Li and Duvenaud, 2018",
                                   "Denoising diffusion probabilistic models: Ho, Jain and Abbeel, 2020",
                                   "Denoising diffusion implicit models: Song, Meng and Ermon, 2021",
                                   "Classifier-free guidance: Ho and Salimans, 2022",
                                   "Reinforcement learning: Sutton and Barto, 2018",
                                   "Deep Q-networks: Mnih et al., 2015",
                                   NULL };
  const char *library_credits[] = { "GTK, GLib and Cairo", "OpenBLAS", "json-glib", "GdkPixbuf and giflib", NULL };
  g_autofree char *blas = gb_blas_describe ();
  GtkAboutDialog *about = GTK_ABOUT_DIALOG (g_object_new (GTK_TYPE_ABOUT_DIALOG,
    "program-name", "Glassbox",
    "logo-icon-name", GB_APP_ID,
    "version", GB_VERSION,
    "comments", _("Look inside a VAE, a diffusion model and reinforcement-learning agents "
                  "while they run. Real models, real data, every view exact and seeded."),
    "license-type", GTK_LICENSE_GPL_3_0,
    "authors", authors,
    "copyright", "© 2026 The Glassbox developers",
    "system-information", blas,
    "transient-for", gtk_application_get_active_window (app),
    "modal", TRUE,
    NULL));
  gtk_about_dialog_add_credit_section (about, _("Data"), data_credits);
  gtk_about_dialog_add_credit_section (about, _("Methods shown"), method_credits);
  gtk_about_dialog_add_credit_section (about, _("Built with"), library_credits);
  /* translator-credits: the translators of the running language, from the .po. */
  const char *translators = _("translator-credits");
  if (!g_str_equal (translators, "translator-credits"))
    gtk_about_dialog_set_translator_credits (about, translators);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  GtkApplication *app = data;
  /* A window that closes leaves the application's list (its node freed):
   * walk a copy, holding each window until it has been closed. */
  GList *windows = g_list_copy (gtk_application_get_windows (app));
  for (GList *l = windows; l != NULL; l = l->next)
    g_object_ref (l->data);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free_full (windows, g_object_unref);
}

/* Where OpenGL is only emulated on the CPU (Mesa's llvmpipe or softpipe, as
 * under Xvfb or in a VM), GTK's GL renderer competes with training for the
 * cores: measured here, frames took 53 ms (p95) against 9 ms with GTK's cairo
 * renderer, and 90 MB more memory. The painters draw with Cairo either way,
 * so then ask GTK for its cairo renderer. GSK_RENDERER, when set, wins. */
static void
prefer_cairo_without_gpu (void)
{
  if (g_getenv ("GSK_RENDERER") != NULL)
    return;
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkGLContext) ctx = display ? gdk_display_create_gl_context (display, &error) : NULL;
  if (ctx == NULL || !gdk_gl_context_realize (ctx, &error))
    return; /* no GL at all: GTK uses cairo by itself */
  gdk_gl_context_make_current (ctx);
  const char *renderer = (const char *) glGetString (GL_RENDERER);
  gboolean software = renderer != NULL && (strstr (renderer, "llvmpipe") || strstr (renderer, "softpipe")
                                            || strstr (renderer, "Software Rasterizer"));
  g_debug ("OpenGL renderer: %s", renderer ? renderer : "(unknown)");
  gdk_gl_context_clear_current ();
  if (software)
    g_setenv ("GSK_RENDERER", "cairo", TRUE);
}

static void
gb_application_startup (GApplication *app)
{
  GbApplication *self = GB_APPLICATION (app);
  G_APPLICATION_CLASS (gb_application_parent_class)->startup (app);
  prefer_cairo_without_gpu ();

  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/org/glassbox/Glassbox/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_window_set_default_icon_name (GB_APP_ID);

  self->settings = gb_settings_new ();
  g_signal_connect (self->settings, "changed::style", G_CALLBACK (style_changed_cb), self);
  apply_style (self);

  const GActionEntry entries[] = {
    { "about", about_action, NULL, NULL, NULL, { 0 } },
    { "quit", quit_action, NULL, NULL, NULL, { 0 } },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  g_autoptr (GAction) style = g_settings_create_action (self->settings, "style");
  g_action_map_add_action (G_ACTION_MAP (app), style);
  const char *quit[] = { "<Control>q", NULL };
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit);
}

static void
first_frame_cb (GdkFrameClock *clock, gpointer data)
{
  GbApplication *self = data;
  g_printerr ("frame-stats: first frame %.0f ms after start\n", (g_get_monotonic_time () - self->started_us) / 1000.0);
  g_signal_handlers_disconnect_by_func (clock, first_frame_cb, data);
}

static void
gb_application_activate (GApplication *app)
{
  GbApplication *self = GB_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    {
      window = GTK_WINDOW (gb_window_new (GTK_APPLICATION (app)));
      if (g_getenv ("GLASSBOX_FRAME_STATS") != NULL)
        {
          gtk_widget_realize (GTK_WIDGET (window));
          g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                            G_CALLBACK (first_frame_cb), self);
        }
    }
  gtk_window_present (window);
}

static void
gb_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  gb_application_activate (app);
  GbWindow *window = GB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  /* Every file given opens, in order, each in its page. */
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < n_files; i++)
    {
      char *path = g_file_get_path (files[i]);
      if (path != NULL)
        g_ptr_array_add (paths, path);
      else
        gb_window_show_message (window, _("Only local files can be opened."));
    }
  gb_window_open_files (window, (const char *const *) paths->pdata, (int) paths->len);
}

static void
gb_application_finalize (GObject *object)
{
  GbApplication *self = GB_APPLICATION (object);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (gb_application_parent_class)->finalize (object);
}

static void
gb_application_class_init (GbApplicationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gb_application_finalize;
  G_APPLICATION_CLASS (klass)->startup = gb_application_startup;
  G_APPLICATION_CLASS (klass)->activate = gb_application_activate;
  G_APPLICATION_CLASS (klass)->open = gb_application_open;
}

static void
gb_application_init (GbApplication *self)
{
  self->started_us = g_get_monotonic_time ();
}

GbApplication *
gb_application_new (void)
{
  /* One instance: a second `glassbox FILE` (or a double click in Files) opens
   * the file in the running window. That needs a session bus; without one
   * (a bare X server, a test) each start is its own instance. */
  GApplicationFlags flags = G_APPLICATION_HANDLES_OPEN;
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL)
    flags |= G_APPLICATION_NON_UNIQUE;
  return g_object_new (GB_TYPE_APPLICATION, "application-id", GB_APP_ID, "flags", flags, NULL);
}
