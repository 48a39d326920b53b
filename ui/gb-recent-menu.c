/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-recent-menu.c — Open Recent (gb-recent-menu.h). */
#include "gb-recent-menu.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>

struct _GbRecentMenu {
  GObject parent_instance;
  GMenu *menu;
  char *action;
  GtkRecentManager *manager;   /* the default one: not owned */
  gulong changed_id;
};

G_DEFINE_FINAL_TYPE (GbRecentMenu, gb_recent_menu, G_TYPE_OBJECT)

static int
newest_first (gconstpointer a, gconstpointer b)
{
  GDateTime *ta = gtk_recent_info_get_modified (*(GtkRecentInfo *const *) a);
  GDateTime *tb = gtk_recent_info_get_modified (*(GtkRecentInfo *const *) b);
  return g_date_time_compare (tb, ta);
}

static void
refill (GbRecentMenu *self)
{
  g_menu_remove_all (self->menu);
  GList *items = gtk_recent_manager_get_items (self->manager);
  g_autoptr (GPtrArray) mine = g_ptr_array_new ();
  for (GList *l = items; l != NULL; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      if (gtk_recent_info_has_application (info, g_get_application_name ()) && gtk_recent_info_is_local (info)
          && gtk_recent_info_exists (info))
        g_ptr_array_add (mine, info);
    }
  g_ptr_array_sort (mine, newest_first);
  for (guint i = 0; i < mine->len && i < GB_RECENT_MAX; i++)
    {
      GtkRecentInfo *info = mine->pdata[i];
      g_autoptr (GFile) file = g_file_new_for_uri (gtk_recent_info_get_uri (info));
      g_autofree char *path = g_file_get_path (file);
      if (path == NULL)
        continue;
      g_autofree char *label = g_path_get_basename (path);
      g_autoptr (GMenuItem) item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, self->action, g_variant_new_string (path));
      g_menu_append_item (self->menu, item);
    }
  if (mine->len == 0)
    {
      /* An item with no action is shown greyed out: the menu says why it is empty. */
      g_menu_append (self->menu, _("No recent files"), "win.no-recent-files");
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static void
gb_recent_menu_dispose (GObject *object)
{
  GbRecentMenu *self = GB_RECENT_MENU (object);
  g_clear_signal_handler (&self->changed_id, self->manager);
  g_clear_object (&self->menu);
  g_clear_pointer (&self->action, g_free);
  G_OBJECT_CLASS (gb_recent_menu_parent_class)->dispose (object);
}

static void
gb_recent_menu_class_init (GbRecentMenuClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gb_recent_menu_dispose;
}

static void
gb_recent_menu_init (GbRecentMenu *self)
{
}

GbRecentMenu *
gb_recent_menu_new (GMenu *menu, const char *action)
{
  g_return_val_if_fail (G_IS_MENU (menu) && action != NULL, NULL);
  GbRecentMenu *self = g_object_new (GB_TYPE_RECENT_MENU, NULL);
  self->menu = g_object_ref (menu);
  self->action = g_strdup (action);
  self->manager = gtk_recent_manager_get_default ();
  self->changed_id = g_signal_connect_swapped (self->manager, "changed", G_CALLBACK (refill), self);
  refill (self);
  return self;
}

void
gb_recent_menu_add (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autofree char *uri = g_file_get_uri (file);
  gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
}
