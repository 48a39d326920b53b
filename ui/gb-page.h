/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-page.h — what every page of the window is to the window.
 *
 * In the manner of Sysprof's SysprofSection: the window knows its pages
 * only through this interface — Open, Save As and Export with the files
 * each offers, stopping long work, and unsaved work to ask about before it
 * is lost. A page's own commands are its own actions. The latent, RL and
 * Diffusion pages implement it.
 */
#pragma once

#include <gtk/gtk.h>

#include "gb-lesson.h"
#include "gb-table.h"

G_BEGIN_DECLS

#define GB_TYPE_PAGE (gb_page_get_type ())
G_DECLARE_INTERFACE (GbPage, gb_page, GB, PAGE, GtkWidget)

typedef enum { GB_PAGE_OPEN, GB_PAGE_SAVE, GB_PAGE_EXPORT } GbPageFileKind;

#define GB_PAGE_MAX_FILTERS 6

/* What a file dialog offers: its title, a suggested name (save and export),
 * the suffix a saved name gets when it has none, and filters of patterns. */
typedef struct {
  const char *name;
  const char *patterns[6];     /* NULL-terminated */
} GbPageFilter;

typedef struct {
  const char *title;
  const char *name;
  const char *suffix;
  GbPageFilter filters[GB_PAGE_MAX_FILTERS];
} GbPageFiles;

struct _GbPageInterface {
  GTypeInterface parent_iface;

  gboolean    (*open)     (GbPage *self, const char *path, GError **error);
  gboolean    (*save)     (GbPage *self, const char *path, GError **error);
  gboolean    (*export)   (GbPage *self, const char *path, GError **error);
  void        (*files)    (GbPage *self, GbPageFileKind kind, GbPageFiles *out);
  /* Stops long work (training keeps what it learnt; playing stops). */
  void        (*stop)     (GbPage *self);
  /* Unsaved work, all optional: whether there is some; whether opening
   * path would replace it (default: whether there is some); what it is
   * ("the VAE"); whether long work on it has yet to stop after stop; and
   * bringing it on show, ready for Save As. */
  gboolean    (*has_unsaved)           (GbPage *self);
  gboolean    (*open_replaces_unsaved) (GbPage *self, const char *path);
  const char *(*unsaved_name)          (GbPage *self);
  gboolean    (*is_busy)               (GbPage *self);
  void        (*show_unsaved)          (GbPage *self);
  /* The numbers behind the page, optional: with selection, those of what is
   * selected (a point, a cell, the timestep on show), for Ctrl+C; without,
   * the curves on show, for Export as CSV or JSON. NULL: there are none. */
  GbTable    *(*table)                 (GbPage *self, gboolean selection);
  /* Lessons (gb-lesson.h), optional: sets the page up as the lesson's group
   * says and hides the controls it names; writes the page's state into the
   * group named as the page is (files it needs, like an opened map, are
   * written beside it, in dir); shows every control again. */
  gboolean    (*apply_lesson)          (GbPage *self, const GbLesson *lesson, GError **error);
  gboolean    (*save_lesson)           (GbPage *self, GKeyFile *kf, const char *group, const char *dir,
                                        GError **error);
  void        (*end_lesson)            (GbPage *self);
  /* The user guide's page (help/C/TOPIC.page) for what is on show, for F1. */
  const char *(*help_topic)            (GbPage *self);
};

gboolean    gb_page_open     (GbPage *self, const char *path, GError **error);
gboolean    gb_page_save     (GbPage *self, const char *path, GError **error);
gboolean    gb_page_export   (GbPage *self, const char *path, GError **error);
void        gb_page_files    (GbPage *self, GbPageFileKind kind, GbPageFiles *out);
void        gb_page_stop     (GbPage *self);
gboolean    gb_page_has_unsaved           (GbPage *self);
gboolean    gb_page_open_replaces_unsaved (GbPage *self, const char *path);
const char *gb_page_unsaved_name          (GbPage *self);
gboolean    gb_page_is_busy               (GbPage *self);
void        gb_page_show_unsaved          (GbPage *self);
GbTable    *gb_page_table                 (GbPage *self, gboolean selection);
const char *gb_page_help_topic            (GbPage *self);
gboolean    gb_page_apply_lesson          (GbPage *self, const GbLesson *lesson, GError **error);
gboolean    gb_page_save_lesson           (GbPage *self, GKeyFile *kf, const char *group, const char *dir,
                                           GError **error);
void        gb_page_end_lesson            (GbPage *self);

/* Emits "message" (for the window's message bar). */
void        gb_page_message  (GbPage *self, const char *text);

/* A file chooser set up as files says (for kind: open or save). */
GtkFileChooserNative *gb_page_file_chooser (GtkWindow *parent, GbPageFileKind kind, const GbPageFiles *files);
/* The path a save dialog chose, with files->suffix added if it has none; NULL
 * with an error for a file that is not local. */
char *gb_page_chosen_path (GtkFileChooser *chooser, const GbPageFiles *files, GError **error);

/* A page's own Save dialog (the window's Save As, Open and Export are the
 * window's): save is called with the chosen path, and what fails becomes a
 * message. */
typedef gboolean (*GbPageSaveFunc) (GbPage *self, const char *path, GError **error);
void gb_page_run_save_dialog (GbPage *self, const GbPageFiles *files, GbPageSaveFunc save);

/* The usual filters: images for Export, models for Open and Save. */
void gb_page_files_export (GbPageFiles *out, const char *name, gboolean gif);
void gb_page_files_model  (GbPageFiles *out, GbPageFileKind kind, const char *name);

G_END_DECLS
