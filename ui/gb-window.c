/* gb-window.c — the main window and its actions (open, save, export). */
#include "gb-window.h"

#include <string.h>

#include "gb-safetensors.h"

#include "gb-confirm.h"
#include "gb-diffusion-page.h"
#include "gb-latent-page.h"
#include "gb-rl-page.h"
#include "gb-settings.h"

struct _GbWindow {
  GtkApplicationWindow parent_instance;

  GtkInfoBar *infobar;
  GtkLabel *info_label;
  GtkStack *stack;
  GbLatentPage *latent_page;
  GbRlPage *rl_page;
  GbDiffusionPage *diffusion_page;
  GSettings *settings;
  GtkNativeDialog *dialog;

  /* What waits on the answer about an unsaved model, and then on its Save As. */
  enum { PENDING_NONE, PENDING_CLOSE, PENDING_OPEN } pending;
  char *pending_path;        /* PENDING_OPEN: the file to open */
  int pending_target;        /* PENDING_OPEN: the page it opens in */
  gboolean saving_diffusion; /* which page's model the answer is about */
  gboolean close_confirmed;
  guint wait_source;         /* waiting for the latent page's training to stop */
};

typedef enum { TARGET_LATENT, TARGET_RL, TARGET_DIFFUSION } Target;

G_DEFINE_FINAL_TYPE (GbWindow, gb_window, GTK_TYPE_APPLICATION_WINDOW)

void
gb_window_show_message (GbWindow *self, const char *message)
{
  /* Messages that come while the bar is open stack up, newest first (three at most). */
  g_autofree char *text = NULL;
  if (gtk_info_bar_get_revealed (self->infobar))
    {
      g_auto (GStrv) old = g_strsplit (gtk_label_get_text (self->info_label), "\n", 3);
      if (old[0] != NULL && old[1] != NULL)
        text = g_strdup_printf ("%s\n%s\n%s", message, old[0], old[1]);
      else
        text = g_strdup_printf ("%s\n%s", message, old[0] ? old[0] : "");
    }
  gtk_label_set_text (self->info_label, text ? text : message);
  gtk_info_bar_set_revealed (self->infobar, TRUE);
  g_printerr ("glassbox: %s\n", message);
}

/* Whether the file's first kilobyte is UTF-8 text without NULs (a model
 * file's binary header length starts with NULs or invalid bytes). */
static gboolean
is_text_file (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) in = g_file_read (file, NULL, NULL);
  char buf[1024];
  gssize n = in ? g_input_stream_read (G_INPUT_STREAM (in), buf, sizeof buf, NULL, NULL) : -1;
  if (n <= 0 || memchr (buf, 0, (gsize) n) != NULL)
    return FALSE;
  const char *end;
  /* a cut at the kilobyte may split a character: only the bytes before it must be valid */
  return g_utf8_validate (buf, n, &end) || (n == sizeof buf && n - (end - buf) < 4);
}

static void open_checked (GbWindow *self, const char *path, Target target);

void
gb_window_open_model (GbWindow *self, const char *path)
{
  /* Diffusion models go to their page, text (an RL session, a saved policy
   * or a map) to the RL page; anything else is tried as a VAE. */
  g_autoptr (GbSafetensors) st = gb_safetensors_load (path, NULL);
  const char *kind = st ? gb_safetensors_get_metadata (st, "kind") : NULL;
  gboolean diffusion = g_strcmp0 (kind, "diffusion-mlp") == 0 || g_strcmp0 (kind, "diffusion-unet") == 0;
  gboolean rl = st == NULL && is_text_file (path);
  if (diffusion || rl)
    gtk_stack_set_visible_child_name (self->stack, diffusion ? "diffusion" : "rl");
  open_checked (self, path, diffusion ? TARGET_DIFFUSION : rl ? TARGET_RL : TARGET_LATENT);
}

/* Opens path in that page, whatever it replaces. */
static void
open_now (GbWindow *self, const char *path, Target target)
{
  g_autoptr (GError) error = NULL;
  if (!(target == TARGET_DIFFUSION ? gb_diffusion_page_open (self->diffusion_page, path, &error)
        : target == TARGET_RL      ? gb_rl_page_open (self->rl_page, path, &error)
                                   : gb_latent_page_open_model (self->latent_page, path, &error)))
    gb_window_show_message (self, error->message);
  else
    gtk_info_bar_set_revealed (self->infobar, FALSE);
}

static void
infobar_response_cb (GtkInfoBar *bar, int response, GbWindow *self)
{
  gtk_info_bar_set_revealed (bar, FALSE);
}

static gboolean
on_rl (GbWindow *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "rl") == 0;
}

static gboolean
on_diffusion (GbWindow *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "diffusion") == 0;
}

static void
page_message_cb (GtkWidget *page, const char *message, GbWindow *self)
{
  gb_window_show_message (self, message);
}

/* --- file dialogs --- */

static void saved_for_pending (GbWindow *self, gboolean ok);

typedef enum { DIALOG_OPEN, DIALOG_SAVE, DIALOG_EXPORT, DIALOG_OPEN_RL, DIALOG_SAVE_SESSION, DIALOG_SAVE_MAP,
               DIALOG_EXPORT_RL, DIALOG_OPEN_DIFFUSION, DIALOG_SAVE_DIFFUSION, DIALOG_EXPORT_DIFFUSION } DialogKind;

static void
dialog_response_cb (GtkNativeDialog *dialog, int response, GbWindow *self)
{
  DialogKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "kind"));
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr (GError) error = NULL;
      gboolean ok = TRUE;
      if (path == NULL)
        {
          ok = FALSE;
          g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "only local files can be used");
        }
      else if (kind == DIALOG_OPEN || kind == DIALOG_OPEN_RL || kind == DIALOG_OPEN_DIFFUSION)
        {
          /* The opener reports its own errors: it may first ask about an unsaved model. */
          open_checked (self, path, kind == DIALOG_OPEN ? TARGET_LATENT
                                    : kind == DIALOG_OPEN_RL ? TARGET_RL : TARGET_DIFFUSION);
          gtk_native_dialog_destroy (dialog);
          g_clear_object (&self->dialog);
          return;
        }
      else if (kind == DIALOG_SAVE_SESSION)
        ok = gb_rl_page_save_session (self->rl_page, path, &error);
      else if (kind == DIALOG_SAVE_MAP)
        ok = gb_rl_page_save_map (self->rl_page, path, &error);
      else if (kind == DIALOG_EXPORT_RL)
        ok = gb_rl_page_export (self->rl_page, path, &error);
      else if (kind == DIALOG_EXPORT_DIFFUSION)
        ok = gb_diffusion_page_export (self->diffusion_page, path, &error);
      else if (kind == DIALOG_SAVE || kind == DIALOG_SAVE_DIFFUSION)
        {
          if (!g_str_has_suffix (path, ".safetensors"))
            {
              char *with = g_strconcat (path, ".safetensors", NULL);
              g_free (path);
              path = with;
            }
          ok = kind == DIALOG_SAVE ? gb_latent_page_save_model (self->latent_page, path, &error)
                                   : gb_diffusion_page_save (self->diffusion_page, path, &error);
        }
      else
        ok = gb_latent_page_export (self->latent_page, path, &error);
      if (!ok)
        gb_window_show_message (self, error->message);
      else
        gtk_info_bar_set_revealed (self->infobar, FALSE);
      if (kind == DIALOG_SAVE || kind == DIALOG_SAVE_DIFFUSION)
        {
          gtk_native_dialog_destroy (dialog);
          g_clear_object (&self->dialog);
          saved_for_pending (self, ok);
          return;
        }
    }
  else if (kind == DIALOG_SAVE || kind == DIALOG_SAVE_DIFFUSION)
    saved_for_pending (self, FALSE);   /* the Save As was cancelled: so is what waited on it */
  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->dialog);
}

static void
add_filter (GtkFileChooser *chooser, const char *name, const char *pattern)
{
  GtkFileFilter *f = gtk_file_filter_new ();
  gtk_file_filter_set_name (f, name);
  gtk_file_filter_add_pattern (f, pattern);
  gtk_file_chooser_add_filter (chooser, f);
  g_object_unref (f);
}

static void
run_dialog (GbWindow *self, DialogKind kind)
{
  if (self->dialog != NULL)
    return;
  static const char *titles[] = { "Open a Model", "Save the Model", "Export the View", "Open a Map or Session",
                                  "Save the Session", "Save the Map", "Export the View", "Open a Model",
                                  "Save the Model", "Export the View" };
  gboolean opening = kind == DIALOG_OPEN || kind == DIALOG_OPEN_RL || kind == DIALOG_OPEN_DIFFUSION;
  GtkFileChooserAction action = opening ? GTK_FILE_CHOOSER_ACTION_OPEN : GTK_FILE_CHOOSER_ACTION_SAVE;
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (titles[kind], GTK_WINDOW (self), action,
                                                              opening ? "_Open" : "_Save", "_Cancel");
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (dialog);
  if (kind == DIALOG_EXPORT || kind == DIALOG_EXPORT_RL || kind == DIALOG_EXPORT_DIFFUSION)
    {
      add_filter (chooser, "PNG image", "*.png");
      add_filter (chooser, "SVG drawing", "*.svg");
      add_filter (chooser, "PDF document", "*.pdf");
      if (kind == DIALOG_EXPORT_DIFFUSION)
        add_filter (chooser, "GIF animation of the whole process", "*.gif");
      gtk_file_chooser_set_current_name (chooser, kind == DIALOG_EXPORT ? "latent-space.png"
                                                  : kind == DIALOG_EXPORT_RL ? gb_rl_page_export_name (self->rl_page)
                                                  : gb_diffusion_page_export_name (self->diffusion_page));
    }
  else if (kind == DIALOG_OPEN_RL)
    {
      GtkFileFilter *f = gtk_file_filter_new ();
      gtk_file_filter_set_name (f, "Maps and sessions");
      gtk_file_filter_add_pattern (f, "*.txt");
      gtk_file_filter_add_pattern (f, "*.map");
      gtk_file_filter_add_pattern (f, "*.session");
      gtk_file_filter_add_pattern (f, "*.policy");
      gtk_file_chooser_add_filter (chooser, f);
      g_object_unref (f);
      add_filter (chooser, "All files", "*");
    }
  else if (kind == DIALOG_SAVE_SESSION || kind == DIALOG_SAVE_MAP)
    gtk_file_chooser_set_current_name (chooser, kind == DIALOG_SAVE_MAP ? "map.txt"
                                                : g_str_equal (gb_rl_page_export_name (self->rl_page), "cartpole.png")
                                                  ? "cartpole.policy" : "gridworld.session");
  else
    {
      add_filter (chooser, "Models (safetensors)", "*.safetensors");
      if (!opening)
        gtk_file_chooser_set_current_name (chooser, kind == DIALOG_SAVE ? "vae.safetensors" : "diffusion.safetensors");
    }
  g_object_set_data (G_OBJECT (dialog), "kind", GINT_TO_POINTER (kind));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (dialog_response_cb), self);
  self->dialog = GTK_NATIVE_DIALOG (dialog);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbWindow *self = GB_WINDOW (widget);
  run_dialog (self, on_rl (self) ? DIALOG_OPEN_RL : on_diffusion (self) ? DIALOG_OPEN_DIFFUSION : DIALOG_OPEN);
}

static void
save_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbWindow *self = GB_WINDOW (widget);
  run_dialog (self, on_rl (self) ? DIALOG_SAVE_SESSION : on_diffusion (self) ? DIALOG_SAVE_DIFFUSION : DIALOG_SAVE);
}

static void
page_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbWindow *self = GB_WINDOW (widget);
  gtk_stack_set_visible_child_name (self->stack, g_variant_get_string (param, NULL));
}

static void
save_map_action (GtkWidget *widget, const char *name, GVariant *param)
{
  run_dialog (GB_WINDOW (widget), DIALOG_SAVE_MAP);
}

static void
export_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbWindow *self = GB_WINDOW (widget);
  run_dialog (self, on_rl (self) ? DIALOG_EXPORT_RL : on_diffusion (self) ? DIALOG_EXPORT_DIFFUSION : DIALOG_EXPORT);
}

static void
manifold_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbWindow *self = GB_WINDOW (widget);
  if (!on_rl (self) && !on_diffusion (self))
    gb_latent_page_toggle_manifold (self->latent_page);
}

/* --- unsaved models: ask before closing or opening over one --- */

static void
clear_pending (GbWindow *self)
{
  self->pending = PENDING_NONE;
  g_clear_pointer (&self->pending_path, g_free);
}

/* Goes on with what waited on the answer (or on the save). */
static void
continue_pending (GbWindow *self)
{
  if (self->pending == PENDING_CLOSE)
    {
      clear_pending (self);
      gtk_window_close (GTK_WINDOW (self));   /* asks again if another page has one */
    }
  else if (self->pending == PENDING_OPEN)
    {
      g_autofree char *path = g_steal_pointer (&self->pending_path);
      Target target = self->pending_target;
      clear_pending (self);
      open_now (self, path, target);
    }
}

static void
saved_for_pending (GbWindow *self, gboolean ok)
{
  if (ok)
    continue_pending (self);
  else
    clear_pending (self);   /* the save failed and said why: nothing is lost, nothing goes on */
}

static gboolean
wait_for_training_cb (gpointer data)
{
  GbWindow *self = data;
  if (gb_latent_page_is_training (self->latent_page))
    return G_SOURCE_CONTINUE;
  self->wait_source = 0;
  gtk_stack_set_visible_child_name (self->stack, "latent");
  run_dialog (self, DIALOG_SAVE);
  return G_SOURCE_REMOVE;
}

static void
answer_cb (GbConfirm answer, gpointer data)
{
  GbWindow *self = data;
  if (answer == GB_CONFIRM_CANCEL)
    clear_pending (self);
  else if (answer == GB_CONFIRM_DISCARD)
    {
      if (self->pending == PENDING_CLOSE)
        self->close_confirmed = TRUE;
      continue_pending (self);
    }
  else if (self->saving_diffusion)
    {
      gb_diffusion_page_show_unsaved (self->diffusion_page);   /* stops training, keeping it */
      gtk_stack_set_visible_child_name (self->stack, "diffusion");
      run_dialog (self, DIALOG_SAVE_DIFFUSION);
    }
  else
    {
      /* Training stops after its current step; then Save As. */
      gb_latent_page_stop (self->latent_page);
      if (self->wait_source == 0)
        self->wait_source = g_timeout_add (50, wait_for_training_cb, self);
    }
  g_object_unref (self);
}

/* Asks before `pending` (closing, or opening path in target) loses a model
 * trained in the app; returns FALSE when nothing would be lost. */
static gboolean
ask_unsaved (GbWindow *self, int pending, const char *path, Target target)
{
  gboolean latent = FALSE, diffusion = FALSE;
  if (pending == PENDING_CLOSE)
    {
      latent = gb_latent_page_has_unsaved (self->latent_page);
      diffusion = !latent && gb_diffusion_page_has_unsaved (self->diffusion_page);
    }
  else if (target == TARGET_LATENT)
    latent = gb_latent_page_has_unsaved (self->latent_page);
  else if (target == TARGET_DIFFUSION)
    diffusion = gb_diffusion_page_open_replaces_unsaved (self->diffusion_page, path);
  if (!latent && !diffusion)
    return FALSE;
  if (self->pending != PENDING_NONE)
    return TRUE;   /* already asking */
  self->pending = pending;
  self->pending_path = g_strdup (path);
  self->pending_target = target;
  self->saving_diffusion = diffusion;
  g_autofree char *base = path ? g_path_get_basename (path) : NULL;
  const char *what = latent ? "the VAE" : "the diffusion model";
  g_autofree char *heading = g_strdup_printf ("Save %s trained in the app?", what);
  g_autofree char *body = pending == PENDING_CLOSE
    ? g_strdup_printf ("It has not been saved%s, and closing Glassbox will lose it.",
                       (latent ? gb_latent_page_is_training (self->latent_page) : FALSE) ? " (it is still training)" : "")
    : g_strdup_printf ("Opening “%s” replaces it, and it has not been saved.", base);
  gb_confirm_unsaved (GTK_WINDOW (self), heading, body,
                      pending == PENDING_CLOSE ? "Close _Without Saving" : "_Discard and Open",
                      answer_cb, g_object_ref (self));
  return TRUE;
}

static void
open_checked (GbWindow *self, const char *path, Target target)
{
  if (!ask_unsaved (self, PENDING_OPEN, path, target))
    open_now (self, path, target);
}

/* --- window state --- */

static gboolean
gb_window_close_request (GtkWindow *window)
{
  GbWindow *self = GB_WINDOW (window);
  if (!self->close_confirmed && ask_unsaved (self, PENDING_CLOSE, NULL, TARGET_LATENT))
    return TRUE;   /* the answer closes it, or not */
  int w, h;
  gtk_window_get_default_size (window, &w, &h);
  g_settings_set_int (self->settings, "window-width", w);
  g_settings_set_int (self->settings, "window-height", h);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  /* Training stops; the app stays up until the worker has noticed. */
  gb_latent_page_stop (self->latent_page);
  gb_rl_page_stop (self->rl_page);
  gb_diffusion_page_stop (self->diffusion_page);
  return GTK_WINDOW_CLASS (gb_window_parent_class)->close_request (window);
}

static void
gb_window_dispose (GObject *object)
{
  GbWindow *self = GB_WINDOW (object);
  if (self->dialog != NULL)
    {
      gtk_native_dialog_destroy (self->dialog);
      g_clear_object (&self->dialog);
    }
  g_clear_object (&self->settings);
  g_clear_handle_id (&self->wait_source, g_source_remove);
  clear_pending (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), GB_TYPE_WINDOW);
  G_OBJECT_CLASS (gb_window_parent_class)->dispose (object);
}

static void
gb_window_class_init (GbWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);
  object_class->dispose = gb_window_dispose;
  window_class->close_request = gb_window_close_request;

  g_type_ensure (GB_TYPE_LATENT_PAGE);
  g_type_ensure (GB_TYPE_RL_PAGE);
  g_type_ensure (GB_TYPE_DIFFUSION_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GbWindow, infobar);
  gtk_widget_class_bind_template_child (widget_class, GbWindow, info_label);
  gtk_widget_class_bind_template_child (widget_class, GbWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, GbWindow, latent_page);
  gtk_widget_class_bind_template_child (widget_class, GbWindow, rl_page);
  gtk_widget_class_bind_template_child (widget_class, GbWindow, diffusion_page);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.save-map", NULL, save_map_action);
  gtk_widget_class_install_action (widget_class, "win.page", "s", page_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "win.page", "s", "latent");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_CONTROL_MASK, "win.page", "s", "rl");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_CONTROL_MASK, "win.page", "s", "diffusion");
  gtk_widget_class_install_action (widget_class, "win.toggle-manifold", NULL, manifold_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, GDK_CONTROL_MASK, "win.toggle-manifold", NULL);
}

static void
gb_window_init (GbWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = gb_settings_new ();
  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  g_signal_connect (self->infobar, "response", G_CALLBACK (infobar_response_cb), self);
  g_signal_connect (self->latent_page, "message", G_CALLBACK (page_message_cb), self);
  g_signal_connect (self->rl_page, "message", G_CALLBACK (page_message_cb), self);
  g_signal_connect (self->diffusion_page, "message", G_CALLBACK (page_message_cb), self);
  gb_latent_page_focus_plane (self->latent_page);
}

GbWindow *
gb_window_new (GtkApplication *app)
{
  return g_object_new (GB_TYPE_WINDOW, "application", app, NULL);
}
