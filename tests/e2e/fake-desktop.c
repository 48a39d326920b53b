/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake-desktop.c — a stand-in for the desktop's session manager and
 * notification server on a private session bus, for the end-to-end test:
 *
 *   dbus-run-session -- fake-desktop LOG COMMAND [ARG…]
 *
 * owns org.gnome.SessionManager (Inhibit, Uninhibit, IsInhibited: what
 * gtk_application_inhibit calls) and org.gtk.Notifications (AddNotification,
 * RemoveNotification: what g_application_send_notification calls when that
 * name is owned), writes one line per call to LOG, runs COMMAND, and exits
 * with its status when it ends. */
#include <gio/gio.h>
#include <stdio.h>

static const char introspection[] =
  "<node>"
  "  <interface name='org.gnome.SessionManager'>"
  "    <method name='Inhibit'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='Uninhibit'><arg type='u' direction='in'/></method>"
  "    <method name='IsInhibited'><arg type='u' direction='in'/><arg type='b' direction='out'/></method>"
  "  </interface>"
  "  <interface name='org.gtk.Notifications'>"
  "    <method name='AddNotification'>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='a{sv}' direction='in'/>"
  "    </method>"
  "    <method name='RemoveNotification'><arg type='s' direction='in'/><arg type='s' direction='in'/></method>"
  "  </interface>"
  "</node>";

static FILE *log_file;
static guint next_cookie = 1, inhibited_flags;
static GMainLoop *loop;
static int child_status = 1;
static int names_wanted = 2;
static char **command;

static void
say (const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  vfprintf (log_file, format, ap);
  va_end (ap);
  fputc ('\n', log_file);
  fflush (log_file);
}

static void
method_cb (GDBusConnection *c, const char *sender, const char *path, const char *iface, const char *method,
           GVariant *params, GDBusMethodInvocation *inv, gpointer data)
{
  if (g_str_equal (method, "Inhibit"))
    {
      const char *app, *reason;
      guint32 xid, flags;
      g_variant_get (params, "(&su&su)", &app, &xid, &reason, &flags);
      inhibited_flags |= flags;
      say ("Inhibit app=%s flags=%u reason=%s cookie=%u", app, flags, reason, next_cookie);
      g_dbus_method_invocation_return_value (inv, g_variant_new ("(u)", next_cookie++));
    }
  else if (g_str_equal (method, "Uninhibit"))
    {
      guint32 cookie;
      g_variant_get (params, "(u)", &cookie);
      say ("Uninhibit cookie=%u", cookie);
      g_dbus_method_invocation_return_value (inv, NULL);
    }
  else if (g_str_equal (method, "IsInhibited"))
    g_dbus_method_invocation_return_value (inv, g_variant_new ("(b)", inhibited_flags != 0));
  else if (g_str_equal (method, "AddNotification"))
    {
      const char *app, *id;
      g_autoptr (GVariant) n = NULL;
      g_variant_get (params, "(&s&s@a{sv})", &app, &id, &n);
      const char *title = "", *body = "";
      g_variant_lookup (n, "title", "&s", &title);
      g_variant_lookup (n, "body", "&s", &body);
      say ("AddNotification app=%s id=%s title=%s body=%s", app, id, title, body);
      g_dbus_method_invocation_return_value (inv, NULL);
    }
  else
    {
      say ("%s", method);
      g_dbus_method_invocation_return_value (inv, NULL);
    }
}

static void
child_done_cb (GObject *source, GAsyncResult *res, gpointer data)
{
  GSubprocess *p = G_SUBPROCESS (source);
  g_subprocess_wait_finish (p, res, NULL);
  child_status = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : 128 + g_subprocess_get_term_sig (p);
  g_main_loop_quit (loop);
}

static void
name_acquired_cb (GDBusConnection *c, const char *name, gpointer data)
{
  say ("owns %s", name);
  if (--names_wanted > 0)
    return;
  g_autoptr (GError) error = NULL;
  GSubprocess *p = g_subprocess_newv ((const char *const *) command, G_SUBPROCESS_FLAGS_NONE, &error);
  if (p == NULL)
    {
      g_printerr ("fake-desktop: %s\n", error->message);
      g_main_loop_quit (loop);
      return;
    }
  g_subprocess_wait_async (p, NULL, child_done_cb, NULL);
}

static void
name_lost_cb (GDBusConnection *c, const char *name, gpointer data)
{
  g_printerr ("fake-desktop: could not own %s\n", name);
  g_main_loop_quit (loop);
}

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      g_printerr ("usage: fake-desktop LOG COMMAND [ARG…]\n");
      return 2;
    }
  log_file = fopen (argv[1], "w");
  if (log_file == NULL)
    return 2;
  command = argv + 2;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    {
      g_printerr ("fake-desktop: %s\n", error->message);
      return 2;
    }
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspection, NULL);
  static const GDBusInterfaceVTable vtable = { method_cb, NULL, NULL, { 0 } };
  g_dbus_connection_register_object (bus, "/org/gnome/SessionManager", info->interfaces[0], &vtable, NULL, NULL, NULL);
  g_dbus_connection_register_object (bus, "/org/gtk/Notifications", info->interfaces[1], &vtable, NULL, NULL, NULL);
  loop = g_main_loop_new (NULL, FALSE);
  g_bus_own_name_on_connection (bus, "org.gnome.SessionManager", G_BUS_NAME_OWNER_FLAGS_NONE, name_acquired_cb,
                                name_lost_cb, NULL, NULL);
  g_bus_own_name_on_connection (bus, "org.gtk.Notifications", G_BUS_NAME_OWNER_FLAGS_NONE, name_acquired_cb,
                                name_lost_cb, NULL, NULL);
  g_main_loop_run (loop);
  fclose (log_file);
  return child_status;
}
