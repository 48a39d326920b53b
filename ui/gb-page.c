/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-page.c — the interface between the window and its pages. */
#include "gb-page.h"
#include <glib/gi18n.h>

G_DEFINE_INTERFACE (GbPage, gb_page, GTK_TYPE_WIDGET)

static void
gb_page_default_init (GbPageInterface *iface)
{
  /* A signal every page has: a message for the window's message bar. */
  g_signal_new ("message", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                G_TYPE_STRING);
}

gboolean
gb_page_open (GbPage *self, const char *path, GError **error)
{
  return GB_PAGE_GET_IFACE (self)->open (self, path, error);
}

gboolean
gb_page_save (GbPage *self, const char *path, GError **error)
{
  return GB_PAGE_GET_IFACE (self)->save (self, path, error);
}

gboolean
gb_page_export (GbPage *self, const char *path, GError **error)
{
  /* The numbers, as CSV or JSON; otherwise the picture. */
  g_autofree char *lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".csv") || g_str_has_suffix (lower, ".json"))
    {
      g_autoptr (GbTable) t = gb_page_table (self, FALSE);
      if (t == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("There are no curves on show to export yet."));
          return FALSE;
        }
      return gb_table_save (t, path, error);
    }
  return GB_PAGE_GET_IFACE (self)->export (self, path, error);
}

gboolean
gb_page_apply_lesson (GbPage *self, const GbLesson *lesson, GError **error)
{
  GbPageInterface *iface = GB_PAGE_GET_IFACE (self);
  if (iface->apply_lesson == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("This page has no lessons."));
      return FALSE;
    }
  return iface->apply_lesson (self, lesson, error);
}

gboolean
gb_page_save_lesson (GbPage *self, GKeyFile *kf, const char *group, const char *dir, GError **error)
{
  GbPageInterface *iface = GB_PAGE_GET_IFACE (self);
  if (iface->save_lesson == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("This page has no lessons."));
      return FALSE;
    }
  return iface->save_lesson (self, kf, group, dir, error);
}

void
gb_page_end_lesson (GbPage *self)
{
  GbPageInterface *iface = GB_PAGE_GET_IFACE (self);
  if (iface->end_lesson != NULL)
    iface->end_lesson (self);
}

GbTable *
gb_page_table (GbPage *self, gboolean selection)
{
  GbPageInterface *iface = GB_PAGE_GET_IFACE (self);
  return iface->table != NULL ? iface->table (self, selection) : NULL;
}

void
gb_page_files (GbPage *self, GbPageFileKind kind, GbPageFiles *out)
{
  *out = (GbPageFiles) { 0 };
  GB_PAGE_GET_IFACE (self)->files (self, kind, out);
}

void
gb_page_stop (GbPage *self)
{
  GB_PAGE_GET_IFACE (self)->stop (self);
}

gboolean
gb_page_has_unsaved (GbPage *self)
{
  GbPageInterface *iface = GB_PAGE_GET_IFACE (self);
  return iface->has_unsaved != NULL && iface->has_unsaved (self);
}

gboolean
gb_page_open_replaces_unsaved (GbPage *self, const char *path)
{
  GbPageInterface *iface = GB_PAGE_GET_IFACE (self);
  return iface->open_replaces_unsaved != NULL ? iface->open_replaces_unsaved (self, path) : gb_page_has_unsaved (self);
}

const char *
gb_page_unsaved_name (GbPage *self)
{
  GbPageInterface *iface = GB_PAGE_GET_IFACE (self);
  return iface->unsaved_name != NULL ? iface->unsaved_name (self) : _("the work");
}

const char *
gb_page_help_topic (GbPage *self)
{
  GbPageInterface *iface = GB_PAGE_GET_IFACE (self);
  return iface->help_topic != NULL ? iface->help_topic (self) : "index";
}

gboolean
gb_page_is_busy (GbPage *self)
{
  GbPageInterface *iface = GB_PAGE_GET_IFACE (self);
  return iface->is_busy != NULL && iface->is_busy (self);
}

void
gb_page_show_unsaved (GbPage *self)
{
  GbPageInterface *iface = GB_PAGE_GET_IFACE (self);
  if (iface->show_unsaved != NULL)
    iface->show_unsaved (self);
}

void
gb_page_message (GbPage *self, const char *text)
{
  g_signal_emit_by_name (self, "message", text);
}

void
gb_page_files_export (GbPageFiles *out, const char *name, gboolean gif)
{
  *out = (GbPageFiles) {
    .title = _("Export the View"), .name = name,
    .filters = { { _("PNG image"), { "*.png" } }, { _("SVG drawing"), { "*.svg" } }, { _("PDF document"), { "*.pdf" } },
                 { _("The curves' numbers (CSV)"), { "*.csv" } }, { _("The curves' numbers (JSON)"), { "*.json" } } },
  };
  if (gif)
    out->filters[5] = (GbPageFilter) { _("GIF animation of the whole process"), { "*.gif" } };
}

void
gb_page_files_model (GbPageFiles *out, GbPageFileKind kind, const char *name)
{
  *out = (GbPageFiles) {
    .title = kind == GB_PAGE_OPEN ? _("Open a Model") : _("Save the Model"),
    .name = kind == GB_PAGE_OPEN ? NULL : name,
    .suffix = kind == GB_PAGE_OPEN ? NULL : ".safetensors",
    .filters = { { _("Models (safetensors)"), { "*.safetensors" } } },
  };
}

GtkFileChooserNative *
gb_page_file_chooser (GtkWindow *parent, GbPageFileKind kind, const GbPageFiles *files)
{
  gboolean opening = kind == GB_PAGE_OPEN;
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (files->title, parent,
                                                              opening ? GTK_FILE_CHOOSER_ACTION_OPEN
                                                                      : GTK_FILE_CHOOSER_ACTION_SAVE,
                                                              opening ? "_Open" : "_Save", "_Cancel");
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (dialog);
  for (int i = 0; i < GB_PAGE_MAX_FILTERS && files->filters[i].name != NULL; i++)
    {
      GtkFileFilter *f = gtk_file_filter_new ();
      gtk_file_filter_set_name (f, files->filters[i].name);
      for (int k = 0; files->filters[i].patterns[k] != NULL; k++)
        gtk_file_filter_add_pattern (f, files->filters[i].patterns[k]);
      gtk_file_chooser_add_filter (chooser, f);
      g_object_unref (f);
    }
  if (opening)
    {
      /* Any page's Open also opens lessons (they say which page they are for). */
      GtkFileFilter *f = gtk_file_filter_new ();
      gtk_file_filter_set_name (f, "Lessons");
      gtk_file_filter_add_pattern (f, "*.lesson");
      gtk_file_chooser_add_filter (chooser, f);
      g_object_unref (f);
    }
  if (!opening && files->name != NULL)
    gtk_file_chooser_set_current_name (chooser, files->name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  return dialog;
}

char *
gb_page_chosen_path (GtkFileChooser *chooser, const GbPageFiles *files, GError **error)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (chooser);
  char *path = file ? g_file_get_path (file) : NULL;
  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("only local files can be used"));
      return NULL;
    }
  if (files->suffix != NULL && !g_str_has_suffix (path, files->suffix))
    {
      char *with = g_strconcat (path, files->suffix, NULL);
      g_free (path);
      path = with;
    }
  return path;
}

typedef struct {
  GbPage *page;
  GbPageFiles files;
  GbPageSaveFunc save;
} SaveDialog;

static void
save_response_cb (GtkNativeDialog *dialog, int response, gpointer data)
{
  SaveDialog *sd = data;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = gb_page_chosen_path (GTK_FILE_CHOOSER (dialog), &sd->files, &error);
      if (path == NULL || !sd->save (sd->page, path, &error))
        gb_page_message (sd->page, error->message);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (sd->page);
  g_free (sd);
}

void
gb_page_run_save_dialog (GbPage *self, const GbPageFiles *files, GbPageSaveFunc save)
{
  SaveDialog *sd = g_new0 (SaveDialog, 1);
  sd->page = g_object_ref (self);
  sd->files = *files;
  sd->save = save;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog = gb_page_file_chooser (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, GB_PAGE_SAVE,
                                                       files);
  g_signal_connect (dialog, "response", G_CALLBACK (save_response_cb), sd);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}
