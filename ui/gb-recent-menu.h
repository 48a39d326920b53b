/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-recent-menu.h — Open Recent: the files Glassbox opened or saved last.
 *
 * A GbRecentMenu keeps a GMenu filled with the newest files (ten at most)
 * that Glassbox recorded in GTK's recently-used list and that still exist,
 * each an item for an action taking the path (e.g. "win.open-recent"), and
 * refills it when the list changes. gb_recent_menu_add records a file. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define GB_TYPE_RECENT_MENU (gb_recent_menu_get_type ())
G_DECLARE_FINAL_TYPE (GbRecentMenu, gb_recent_menu, GB, RECENT_MENU, GObject)

#define GB_RECENT_MAX 10

GbRecentMenu *gb_recent_menu_new (GMenu *menu, const char *action);
/* Records path as opened or saved by Glassbox. */
void          gb_recent_menu_add (const char *path);

G_END_DECLS
