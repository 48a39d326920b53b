/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-window.c — the main window and its actions (open, save, export). */
#include "gb-window.h"

#include "gb-a11y.h"
#include "gb-help.h"
#include "gb-recent-menu.h"
#include "gb-lesson-bar.h"
#include "gb-lesson.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb-rl-cart-agent.h"
#include "gb-safetensors.h"

#include "gb-confirm.h"
#include "gb-context-menu.h"
#include "gb-diffusion-page.h"
#include "gb-latent-page.h"
#include "gb-page.h"
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
  char *pending_path;        /* PENDING_OPEN: the file to open … */
  GbPage *pending_page;      /* … and the page it opens in */
  GbPage *unsaved_page;      /* the page whose unsaved model the answer is about */
  gboolean close_confirmed;
  guint wait_source;         /* waiting for that page's long work to stop */

  GQueue to_open;            /* of char *: files given together, opened one after the other */
  GMenu *recent_menu;
  GbRecentMenu *recent;

  GbLessonBar *lesson_bar;
  GMenu *lessons_menu;       /* the shipped lessons */
  GbLesson *lesson;          /* the lesson on show, or NULL */
  GbPage *lesson_page;       /* its page */
  GtkWidget *context_menu;   /* over the pages (gb-context-menu.h) */
};

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

static void open_checked (GbWindow *self, const char *path, GbPage *page);

/* The pages, in the order unsaved work is asked about. */
static GbPage *
page_at (GbWindow *self, int i)
{
  GtkWidget *pages[] = { GTK_WIDGET (self->latent_page), GTK_WIDGET (self->rl_page),
                         GTK_WIDGET (self->diffusion_page) };
  return i < (int) G_N_ELEMENTS (pages) ? GB_PAGE (pages[i]) : NULL;
}

static GbPage *
current_page (GbWindow *self)
{
  return GB_PAGE (gtk_stack_get_visible_child (self->stack));
}

/* --- lessons --- */

#define LESSONS "/org/glassbox/Glassbox/lessons/"

/* Whether path (a file, or a shipped lesson's resource:// address) is a lesson. */
static gboolean
is_lesson (const char *path)
{
  if (g_str_has_prefix (path, "resource://"))
    return TRUE;
  char buf[512];
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return FALSE;
  size_t n = fread (buf, 1, sizeof buf, f);
  fclose (f);
  return gb_lesson_sniff (buf, n);
}

static GbLesson *
load_lesson (const char *path, GError **error)
{
  if (!g_str_has_prefix (path, "resource://"))
    return gb_lesson_load (path, error);
  g_autoptr (GFile) file = g_file_new_for_uri (path);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_load_contents (file, NULL, &text, &len, NULL, error))
    return NULL;
  g_autofree char *base = g_file_get_basename (file);
  return gb_lesson_parse (text, len, base, NULL, error);
}

static GbPage *
page_named (GbWindow *self, const char *name)
{
  GtkWidget *w = gtk_stack_get_child_by_name (self->stack, name);
  return w != NULL && GB_IS_PAGE (w) ? GB_PAGE (w) : NULL;
}

static void
end_lesson (GbWindow *self)
{
  if (self->lesson_page != NULL)
    gb_page_end_lesson (self->lesson_page);
  g_clear_pointer (&self->lesson, gb_lesson_free);
  self->lesson_page = NULL;
  gb_lesson_bar_set (self->lesson_bar, NULL, NULL);
}

/* Sets the lesson's page up as it says, and shows its title and text above it. */
static void
open_lesson_now (GbWindow *self, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GbLesson) lesson = load_lesson (path, &error);
  GbPage *page = lesson ? page_named (self, lesson->page) : NULL;
  end_lesson (self);
  if (page != NULL)
    {
      gtk_stack_set_visible_child (self->stack, GTK_WIDGET (page));
      if (!gb_page_apply_lesson (page, lesson, &error))
        {
          gb_page_end_lesson (page);
          page = NULL;
        }
    }
  if (page == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("The lesson could not be opened: %s"), error->message);
      gb_window_show_message (self, msg);
      return;
    }
  gtk_info_bar_set_revealed (self->infobar, FALSE);
  gb_lesson_bar_set (self->lesson_bar, lesson->title, lesson->text);
  self->lesson_page = page;
  self->lesson = g_steal_pointer (&lesson);
  if (!g_str_has_prefix (path, "resource://"))
    gb_recent_menu_add (path);
}

static int
by_name (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The Lessons menu: each shipped lesson by its title, in the order of their files' names. */
static void
fill_lessons_menu (GbWindow *self)
{
  g_auto (GStrv) names = g_resources_enumerate_children (LESSONS, 0, NULL);
  if (names == NULL)
    return;
  qsort (names, g_strv_length (names), sizeof (char *), by_name);
  for (int i = 0; names[i] != NULL; i++)
    {
      g_autofree char *uri = g_strconcat ("resource://" LESSONS, names[i], NULL);
      g_autoptr (GbLesson) lesson = load_lesson (uri, NULL);
      if (lesson == NULL)
        {
          g_warning ("the shipped lesson %s does not load", names[i]);
          continue;
        }
      g_autoptr (GMenuItem) item = g_menu_item_new (lesson->title, NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent", g_variant_new_string (uri));
      g_menu_append_item (self->lessons_menu, item);
    }
}

/* Save as Lesson…: the page's state, with the title, text and hidden controls of the
 * lesson on show when it is this page's (a teacher adjusting a lesson), else the file's name. */
static gboolean
save_lesson_cb (GbPage *page, const char *path, GError **error)
{
  GbWindow *self = GB_WINDOW (gtk_widget_get_root (GTK_WIDGET (page)));
  const char *name = gtk_stack_get_visible_child_name (self->stack);
  gboolean same = self->lesson != NULL && self->lesson_page == page;
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  g_autoptr (GKeyFile) kf = gb_lesson_new_key_file (same ? self->lesson->title : base,
                                                    same ? self->lesson->text : "", name);
  g_autofree char *dir = g_path_get_dirname (path);
  if (!gb_page_save_lesson (page, kf, name, dir, error))
    return FALSE;
  if (same)
    g_key_file_set_string_list (kf, name, "hide", (const char *const *) self->lesson->hide,
                                g_strv_length (self->lesson->hide));
  if (!gb_lesson_save (kf, path, error))
    return FALSE;
  gb_recent_menu_add (path);
  return TRUE;
}

static void
save_lesson_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbWindow *self = GB_WINDOW (widget);
  GbPageFiles files = { .title = _("Save as Lesson"), .name = "lesson.lesson", .suffix = ".lesson",
                        .filters = { { _("Lessons"), { "*.lesson" } } } };
  gb_page_run_save_dialog (current_page (self), &files, save_lesson_cb);
}

static void
lesson_end_cb (GbWindow *self)
{
  end_lesson (self);
}

/* The page a file belongs to: diffusion models to their page, text (an RL
 * session, a saved policy or a map) and cart-pole agents to the RL page;
 * anything else is tried as a VAE. */
static GbPage *
page_for (GbWindow *self, const char *path)
{
  g_autoptr (GbSafetensors) st = gb_safetensors_load (path, NULL);
  const char *kind = st ? gb_safetensors_get_metadata (st, "kind") : NULL;
  gboolean diffusion = g_strcmp0 (kind, "diffusion-mlp") == 0 || g_strcmp0 (kind, "diffusion-unet") == 0;
  GbCartAlgo cart;
  gboolean rl = (st == NULL && is_text_file (path))
                || (st != NULL && gb_cart_algo_parse (gb_safetensors_get_metadata (st, "algo"), &cart));
  return GB_PAGE (diffusion ? GTK_WIDGET (self->diffusion_page)
                  : rl      ? GTK_WIDGET (self->rl_page)
                            : GTK_WIDGET (self->latent_page));
}

/* Opens the files waiting, until one asks about unsaved work (its answer goes on). */
static void
open_next (GbWindow *self)
{
  while (self->pending == PENDING_NONE && !g_queue_is_empty (&self->to_open))
    {
      g_autofree char *path = g_queue_pop_head (&self->to_open);
      GbPage *page = NULL;
      if (is_lesson (path))
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GbLesson) lesson = load_lesson (path, &error);
          if (lesson == NULL)
            {
              g_autofree char *msg = g_strdup_printf (_("The lesson could not be opened: %s"), error->message);
              gb_window_show_message (self, msg);
              continue;
            }
          page = page_named (self, lesson->page);
        }
      else
        page = page_for (self, path);
      if (page != GB_PAGE (self->latent_page))
        gtk_stack_set_visible_child (self->stack, GTK_WIDGET (page));
      open_checked (self, path, page);
    }
}

void
gb_window_open_files (GbWindow *self, const char *const *paths, int n)
{
  for (int i = 0; i < n; i++)
    g_queue_push_tail (&self->to_open, g_strdup (paths[i]));
  open_next (self);
}

void
gb_window_open_model (GbWindow *self, const char *path)
{
  gb_window_open_files (self, &path, 1);
}

/* Opens path in that page, whatever it replaces. */
static void
open_now (GbWindow *self, const char *path, GbPage *page)
{
  if (is_lesson (path))
    {
      open_lesson_now (self, path);
      return;
    }
  g_autoptr (GError) error = NULL;
  if (!gb_page_open (page, path, &error))
    gb_window_show_message (self, error->message);
  else
    {
      gtk_info_bar_set_revealed (self->infobar, FALSE);
      gb_recent_menu_add (path);
    }
}

static void
infobar_response_cb (GtkInfoBar *bar, int response, GbWindow *self)
{
  gtk_info_bar_set_revealed (bar, FALSE);
}

static void
page_message_cb (GtkWidget *page, const char *message, GbWindow *self)
{
  gb_window_show_message (self, message);
}

/* --- file dialogs --- */

static void saved_for_pending (GbWindow *self, gboolean ok);

/* What a dialog is for: its page, Open, Save As or Export, and what the page offers. */
typedef struct {
  GbPage *page;
  GbPageFileKind kind;
  GbPageFiles files;
  char name[256];            /* Export the Numbers: the suggested .csv name */
} DialogInfo;

static void
close_dialog (GbWindow *self, GtkNativeDialog *dialog)
{
  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->dialog);
}

static void
dialog_response_cb (GtkNativeDialog *dialog, int response, GbWindow *self)
{
  const DialogInfo *info = g_object_get_data (G_OBJECT (dialog), "info");
  GbPage *page = info->page;
  GbPageFileKind kind = info->kind;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = gb_page_chosen_path (GTK_FILE_CHOOSER (dialog), &info->files, &error);
      if (path != NULL && kind == GB_PAGE_OPEN)
        {
          /* The opener reports its own errors: it may first ask about an unsaved model. */
          close_dialog (self, dialog);
          open_checked (self, path, page);
          return;
        }
      gboolean ok = path != NULL && (kind == GB_PAGE_SAVE ? gb_page_save (page, path, &error)
                                     : kind == GB_PAGE_EXPORT ? gb_page_export (page, path, &error)
                                                              : FALSE);
      if (!ok)
        gb_window_show_message (self, error->message);
      else
        gtk_info_bar_set_revealed (self->infobar, FALSE);
      if (ok && kind == GB_PAGE_SAVE)
        gb_recent_menu_add (path);
      close_dialog (self, dialog);
      if (kind == GB_PAGE_SAVE)
        saved_for_pending (self, ok);
      return;
    }
  close_dialog (self, dialog);
  if (kind == GB_PAGE_SAVE)
    saved_for_pending (self, FALSE);   /* the Save As was cancelled: so is what waited on it */
}

/* numbers: an export whose suggested name is the view's with .csv. */
static void
run_dialog (GbWindow *self, GbPage *page, GbPageFileKind kind, gboolean numbers)
{
  if (self->dialog != NULL)
    return;
  DialogInfo *info = g_new0 (DialogInfo, 1);
  info->page = page;
  info->kind = kind;
  gb_page_files (page, kind, &info->files);
  if (numbers && info->files.name != NULL)
    {
      g_strlcpy (info->name, info->files.name, sizeof info->name - 4);
      char *dot = strrchr (info->name, '.');
      if (dot != NULL)
        *dot = '\0';
      g_strlcat (info->name, ".csv", sizeof info->name);
      info->files.name = info->name;
    }
  GtkFileChooserNative *dialog = gb_page_file_chooser (GTK_WINDOW (self), kind, &info->files);
  g_object_set_data_full (G_OBJECT (dialog), "info", info, g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (dialog_response_cb), self);
  self->dialog = GTK_NATIVE_DIALOG (dialog);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbWindow *self = GB_WINDOW (widget);
  run_dialog (self, current_page (self), GB_PAGE_OPEN, FALSE);
}

static void
save_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbWindow *self = GB_WINDOW (widget);
  run_dialog (self, current_page (self), GB_PAGE_SAVE, FALSE);
}

static void
export_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbWindow *self = GB_WINDOW (widget);
  run_dialog (self, current_page (self), GB_PAGE_EXPORT, g_str_equal (name, "win.export-numbers"));
}

/* The Menu key and Shift+F10: the context menu, for the keyboard. */
static void
context_menu_action (GtkWidget *widget, const char *name, GVariant *param)
{
  gb_context_menu_popup (GB_WINDOW (widget)->context_menu);
}

static void
help_failed_cb (const char *message, gpointer data)
{
  gb_window_show_message (GB_WINDOW (data), message);
}

/* F1: the user guide at the page on show. */
static void
help_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbWindow *self = GB_WINDOW (widget);
  gb_help_show (GTK_WINDOW (self), gb_page_help_topic (current_page (self)), help_failed_cb, self);
}

static void
open_recent_action (GtkWidget *widget, const char *name, GVariant *param)
{
  const char *path = g_variant_get_string (param, NULL);
  gb_window_open_files (GB_WINDOW (widget), &path, 1);
}

/* Files dropped on the window (from Files, say) open as if given on the command line. */
static gboolean
drop_cb (GtkDropTarget *target, const GValue *value, double x, double y, GbWindow *self)
{
  GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  for (GSList *l = files; l != NULL; l = l->next)
    {
      char *path = g_file_get_path (l->data);
      if (path != NULL)
        g_ptr_array_add (paths, path);
      else
        gb_window_show_message (self, _("Only local files can be opened."));
    }
  g_slist_free (files);
  gb_window_open_files (self, (const char *const *) paths->pdata, (int) paths->len);
  return paths->len > 0;
}

/* Ctrl+C where no text field takes it: the numbers of what is selected, tab-separated
 * with a header row, as a spreadsheet pastes them. */
static void
copy_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbWindow *self = GB_WINDOW (widget);
  g_autoptr (GbTable) t = gb_page_table (current_page (self), TRUE);
  if (t == NULL)
    {
      gb_window_show_message (self, _("Nothing selected to copy: select a point, a cell or a timestep first."));
      return;
    }
  g_autofree char *tsv = gb_table_to_tsv (t);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), tsv);
  g_autofree char *msg = g_strdup_printf (_("Copied the numbers of %s (%d columns, tab-separated)."),
                                          gb_table_title (t), gb_table_n_columns (t));
  gb_window_show_message (self, msg);
}

static void
page_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbWindow *self = GB_WINDOW (widget);
  gtk_stack_set_visible_child_name (self->stack, g_variant_get_string (param, NULL));
}

static void
manifold_action (GtkWidget *widget, const char *name, GVariant *param)
{
  /* Ctrl+M anywhere in the window, while the latent page is on show. */
  GbWindow *self = GB_WINDOW (widget);
  if (current_page (self) == GB_PAGE (self->latent_page))
    gtk_widget_activate_action (GTK_WIDGET (self->latent_page), "latent.toggle-manifold", NULL);
}

static void
open_dataset_action (GtkWidget *widget, const char *name, GVariant *param)
{
  /* Ctrl+Shift+O: the latent page's data set, from anywhere in the window while it is on show. */
  GbWindow *self = GB_WINDOW (widget);
  if (current_page (self) == GB_PAGE (self->latent_page))
    gtk_widget_activate_action (GTK_WIDGET (self->latent_page), "latent.open-dataset", NULL);
}

/* --- unsaved models: ask before closing or opening over one --- */

static void
clear_pending (GbWindow *self)
{
  self->pending = PENDING_NONE;
  g_clear_pointer (&self->pending_path, g_free);
  self->pending_page = NULL;
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
      GbPage *page = self->pending_page;
      clear_pending (self);
      open_now (self, path, page);
    }
}

static void
saved_for_pending (GbWindow *self, gboolean ok)
{
  if (ok)
    continue_pending (self);
  else
    clear_pending (self);   /* the save failed and said why: nothing is lost, nothing goes on */
  open_next (self);
}

/* Save As for the unsaved model, once its page's long work has stopped. */
static gboolean
save_unsaved_cb (gpointer data)
{
  GbWindow *self = data;
  if (gb_page_is_busy (self->unsaved_page))
    return G_SOURCE_CONTINUE;
  self->wait_source = 0;
  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->unsaved_page));
  run_dialog (self, self->unsaved_page, GB_PAGE_SAVE, FALSE);
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
  else
    {
      /* Training stops (keeping what it learnt); then Save As. */
      gb_page_show_unsaved (self->unsaved_page);
      if (!gb_page_is_busy (self->unsaved_page))
        save_unsaved_cb (self);
      else if (self->wait_source == 0)
        self->wait_source = g_timeout_add (50, save_unsaved_cb, self);
    }
  open_next (self);
  g_object_unref (self);
}

/* Asks before `pending` (closing, or opening path in page) loses a model
 * trained in the app; returns FALSE when nothing would be lost. */
static gboolean
ask_unsaved (GbWindow *self, int pending, const char *path, GbPage *page)
{
  GbPage *unsaved = NULL;
  if (pending == PENDING_CLOSE)
    for (int i = 0; unsaved == NULL && page_at (self, i) != NULL; i++)
      unsaved = gb_page_has_unsaved (page_at (self, i)) ? page_at (self, i) : NULL;
  else if (is_lesson (path) ? gb_page_has_unsaved (page) : gb_page_open_replaces_unsaved (page, path))
    unsaved = page;
  if (unsaved == NULL)
    return FALSE;
  if (self->pending != PENDING_NONE)
    return TRUE;   /* already asking */
  self->pending = pending;
  self->pending_path = g_strdup (path);
  self->pending_page = page;
  self->unsaved_page = unsaved;
  g_autofree char *base = path ? g_path_get_basename (path) : NULL;
  g_autofree char *heading = g_strdup_printf (_("Save %s trained in the app?"), gb_page_unsaved_name (unsaved));
  g_autofree char *body = pending == PENDING_CLOSE
    ? g_strdup_printf (_("It has not been saved%s, and closing Glassbox will lose it."),
                       gb_page_is_busy (unsaved) ? _(" (it is still training)") : "")
    : g_strdup_printf (_("Opening “%s” replaces it, and it has not been saved."), base);
  gb_confirm_unsaved (GTK_WINDOW (self), heading, body,
                      pending == PENDING_CLOSE ? _("Close _Without Saving") : _("_Discard and Open"),
                      answer_cb, g_object_ref (self));
  return TRUE;
}

static void
open_checked (GbWindow *self, const char *path, GbPage *page)
{
  if (!ask_unsaved (self, PENDING_OPEN, path, page))
    open_now (self, path, page);
}

/* --- window state --- */

static gboolean
gb_window_close_request (GtkWindow *window)
{
  GbWindow *self = GB_WINDOW (window);
  if (!self->close_confirmed && ask_unsaved (self, PENDING_CLOSE, NULL, NULL))
    return TRUE;   /* the answer closes it, or not */
  int w, h;
  gtk_window_get_default_size (window, &w, &h);
  g_settings_set_int (self->settings, "window-width", w);
  g_settings_set_int (self->settings, "window-height", h);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  /* Training stops; the app stays up until the worker has noticed. */
  for (int i = 0; page_at (self, i) != NULL; i++)
    gb_page_stop (page_at (self, i));
  return GTK_WINDOW_CLASS (gb_window_parent_class)->close_request (window);
}

static void
gb_window_dispose (GObject *object)
{
  GbWindow *self = GB_WINDOW (object);
  g_queue_clear_full (&self->to_open, g_free);
  g_clear_object (&self->recent);
  g_clear_pointer (&self->lesson, gb_lesson_free);
  if (self->dialog != NULL)
    {
      gtk_native_dialog_destroy (self->dialog);
      g_clear_object (&self->dialog);
    }
  g_clear_object (&self->settings);
  g_clear_handle_id (&self->wait_source, g_source_remove);
  clear_pending (self);
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
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

  g_type_ensure (GB_TYPE_LESSON_BAR);
  g_type_ensure (GB_TYPE_LATENT_PAGE);
  g_type_ensure (GB_TYPE_RL_PAGE);
  g_type_ensure (GB_TYPE_DIFFUSION_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GbWindow, infobar);
  gtk_widget_class_bind_template_child (widget_class, GbWindow, info_label);
  gtk_widget_class_bind_template_child (widget_class, GbWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, GbWindow, recent_menu);
  gtk_widget_class_bind_template_child (widget_class, GbWindow, lessons_menu);
  gtk_widget_class_bind_template_child (widget_class, GbWindow, lesson_bar);
  gtk_widget_class_bind_template_child (widget_class, GbWindow, latent_page);
  gtk_widget_class_bind_template_child (widget_class, GbWindow, rl_page);
  gtk_widget_class_bind_template_child (widget_class, GbWindow, diffusion_page);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.export-numbers", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.context-menu", NULL, context_menu_action);
  gtk_widget_class_install_action (widget_class, "win.page", "s", page_action);
  gtk_widget_class_install_action (widget_class, "win.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "win.help", NULL, help_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F1, 0, "win.help", NULL);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.save-lesson", NULL, save_lesson_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.save-lesson", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "win.copy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "win.page", "s", "latent");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_CONTROL_MASK, "win.page", "s", "rl");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_CONTROL_MASK, "win.page", "s", "diffusion");
  gtk_widget_class_install_action (widget_class, "win.toggle-manifold", NULL, manifold_action);
  gtk_widget_class_install_action (widget_class, "win.open-dataset", NULL, open_dataset_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.open-dataset",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "win.context-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, "win.context-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, GDK_CONTROL_MASK, "win.toggle-manifold", NULL);
}

/* The Keyboard Shortcuts window opens on the keys of the page on show. */
static void
shortcuts_follow_page (GbWindow *self)
{
  GtkShortcutsWindow *help = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (self));
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  if (help != NULL && page != NULL)
    g_object_set (help, "section-name", page, NULL);
}

/* The message bar's close button is GTK's, an image with no name: "Close the message". */
static void
name_close_button (GtkWidget *w)
{
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_BUTTON (c) && gtk_button_get_label (GTK_BUTTON (c)) == NULL)
        gtk_accessible_update_property (GTK_ACCESSIBLE (c), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Close the message"), -1);
      name_close_button (c);
    }
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
  for (int i = 0; page_at (self, i) != NULL; i++)
    g_signal_connect (page_at (self, i), "message", G_CALLBACK (page_message_cb), self);
  gb_latent_page_focus_plane (self->latent_page);
  /* Buttons named once, by what they show; again for what a page adds when it is shown. */
  gb_a11y_tidy (GTK_WIDGET (self));
  name_close_button (GTK_WIDGET (self->infobar));
  self->recent = gb_recent_menu_new (self->recent_menu, "win.open-recent");
  fill_lessons_menu (self);
  g_signal_connect_swapped (self->lesson_bar, "end", G_CALLBACK (lesson_end_cb), self);
  self->context_menu = gb_context_menu_attach (GTK_WIDGET (self->stack));
  GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  g_signal_connect_swapped (self->stack, "notify::visible-child", G_CALLBACK (gb_a11y_tidy), self);
  g_signal_connect_swapped (self->stack, "notify::visible-child", G_CALLBACK (shortcuts_follow_page), self);
}


GbWindow *
gb_window_new (GtkApplication *app)
{
  return g_object_new (GB_TYPE_WINDOW, "application", app, NULL);
}
