/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-confirm.h — asking before a model trained in the app is lost.
 *
 * A modal question with Cancel, a destructive “discard” button and Save As…,
 * as GNOME apps ask about unsaved documents. Escape cancels; Save As… is the
 * default (Return). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  GB_CONFIRM_CANCEL,
  GB_CONFIRM_DISCARD,
  GB_CONFIRM_SAVE,
} GbConfirm;

typedef void (*GbConfirmFunc) (GbConfirm answer, gpointer data);

void gb_confirm_unsaved (GtkWindow *parent, const char *heading, const char *body, const char *discard_label,
                         GbConfirmFunc done, gpointer data);

G_END_DECLS
