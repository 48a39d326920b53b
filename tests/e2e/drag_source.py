#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A window titled "Drag source" whose whole area drags the files given as a
text/uri-list, as a file manager does: the end-to-end test drops them on Glassbox.

usage: drag_source.py FILE…   (exits 77 without PyGObject's GTK 4)"""
import sys

try:
    import gi
    gi.require_version("Gtk", "4.0")
    gi.require_version("Gdk", "4.0")
    from gi.repository import Gdk, Gio, GLib, Gtk
except (ImportError, ValueError):
    sys.exit(77)


def main():
    uris = "".join(Gio.File.new_for_path(p).get_uri() + "\r\n" for p in sys.argv[1:])
    app = Gtk.Application(application_id=None, flags=Gio.ApplicationFlags.NON_UNIQUE)

    def activate(app):
        win = Gtk.ApplicationWindow(application=app, title="Drag source")
        win.set_default_size(200, 120)
        label = Gtk.Label(label="Drag me")
        source = Gtk.DragSource(actions=Gdk.DragAction.COPY)
        source.connect("prepare", lambda *a: Gdk.ContentProvider.new_for_bytes(
            "text/uri-list", GLib.Bytes.new(uris.encode())))
        label.add_controller(source)
        win.set_child(label)
        win.present()

    app.connect("activate", activate)
    return app.run([sys.argv[0]])


if __name__ == "__main__":
    sys.exit(main())
