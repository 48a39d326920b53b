/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-confirm.c — the unsaved-model question (GtkMessageDialog: GTK 4.8 has no
 * GtkAlertDialog). */
#include "gb-confirm.h"
#include <glib/gi18n.h>

typedef struct {
  GbConfirmFunc done;
  gpointer data;
  GbConfirm answer;
} Pending;

static gboolean
answer_idle (gpointer user_data)
{
  Pending *p = user_data;
  p->done (p->answer, p->data);
  g_free (p);
  return G_SOURCE_REMOVE;
}

static void
response_cb (GtkDialog *dialog, int response, gpointer user_data)
{
  Pending *p = user_data;
  p->answer = response == GTK_RESPONSE_ACCEPT ? GB_CONFIRM_SAVE
            : response == GTK_RESPONSE_REJECT ? GB_CONFIRM_DISCARD
                                              : GB_CONFIRM_CANCEL;
  /* The answer may close the parent: only once the dialog has gone, so that
   * it never outlives the window it is transient for. */
  gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_idle_add (answer_idle, p);
}

void
gb_confirm_unsaved (GtkWindow *parent, const char *heading, const char *body, const char *discard_label,
                    GbConfirmFunc done, gpointer data)
{
  GtkWidget *dialog = gtk_message_dialog_new (parent, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s", heading);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", body);
  gtk_window_set_title (GTK_WINDOW (dialog), _("Unsaved Model"));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  GtkWidget *discard = gtk_dialog_add_button (GTK_DIALOG (dialog), discard_label, GTK_RESPONSE_REJECT);
  gtk_widget_add_css_class (discard, "destructive-action");
  GtkWidget *save = gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Save As…"), GTK_RESPONSE_ACCEPT);
  gtk_widget_add_css_class (save, "suggested-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  Pending *p = g_new (Pending, 1);
  p->done = done;
  p->data = data;
  g_signal_connect (dialog, "response", G_CALLBACK (response_cb), p);
  gtk_window_present (GTK_WINDOW (dialog));
}
