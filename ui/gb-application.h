/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-application.h — the GtkApplication: app actions, style, About. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GB_APP_ID "org.glassbox.Glassbox"
#define GB_TYPE_APPLICATION (gb_application_get_type ())
G_DECLARE_FINAL_TYPE (GbApplication, gb_application, GB, APPLICATION, GtkApplication)

GbApplication *gb_application_new (void);

G_END_DECLS
