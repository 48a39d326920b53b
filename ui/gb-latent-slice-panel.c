/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-slice-panel.c — the slice of a larger latent space on show (see the header). */
#include "gb-latent-slice-panel.h"
#include <glib/gi18n.h>

#include <string.h>

#include "gb-form.h"

struct _GbLatentSlicePanel {
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkLabel *title;
  GtkDropDown *mode;
  GtkSpinButton *axis_i, *axis_j;
  GtkButton *mean_button;
  GtkBox *sliders;

  int L;
  float *mu;                  /* (n, L) a copy, or NULL */
  guint32 n;
  float mean[GB_VAE_MAX_LATENT];
  GtkRange *scales[GB_VAE_MAX_LATENT];
  GbLatentSlice slice;
  gboolean updating;
};

G_DEFINE_FINAL_TYPE (GbLatentSlicePanel, gb_latent_slice_panel, GTK_TYPE_WIDGET)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The slice from the controls: the plane, then the base point from the sliders. */
static void
rebuild (GbLatentSlicePanel *self)
{
  int L = self->L;
  if (L < 2)
    return;
  float base[GB_VAE_MAX_LATENT];
  for (int k = 0; k < L; k++)
    base[k] = self->scales[k] ? (float) gtk_range_get_value (self->scales[k]) : self->mean[k];
  gboolean pca = gtk_drop_down_get_selected (self->mode) == 0 && self->mu != NULL;
  int i = gtk_spin_button_get_value_as_int (self->axis_i) - 1, j = gtk_spin_button_get_value_as_int (self->axis_j) - 1;
  if (pca && gb_latent_slice_pca (&self->slice, L, self->mu, self->n, base))
    ;
  else
    {
      if (i == j)
        j = (i + 1) % L;
      gb_latent_slice_axes (&self->slice, L, i, j, base);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->axis_i), !pca);
  gtk_widget_set_sensitive (GTK_WIDGET (self->axis_j), !pca);
  /* The sliders of the coordinates that span the plane do nothing: off. */
  for (int k = 0; k < L; k++)
    if (self->scales[k] != NULL)
      gtk_widget_set_sensitive (GTK_WIDGET (self->scales[k]), pca || (k != i && k != j));
  g_autofree char *t = g_strdup_printf (_("A %d-d latent space, seen in a 2-d slice"), L);
  gtk_label_set_text (self->title, t);
}

static void
controls_changed_cb (GbLatentSlicePanel *self)
{
  if (self->updating)
    return;
  rebuild (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
mean_clicked_cb (GbLatentSlicePanel *self)
{
  self->updating = TRUE;
  for (int k = 0; k < self->L; k++)
    if (self->scales[k] != NULL)
      gtk_range_set_value (self->scales[k], self->mean[k]);
  self->updating = FALSE;
  controls_changed_cb (self);
}

void
gb_latent_slice_panel_set_codes (GbLatentSlicePanel *self, int L, const float *mu, guint32 n)
{
  g_return_if_fail (GB_IS_LATENT_SLICE_PANEL (self) && L >= 1 && L <= GB_VAE_MAX_LATENT);
  gboolean fresh = L != self->L;
  /* The codes' first arrival (the model is shown before its test set is encoded) picks principal axes too. */
  gboolean first_codes = self->mu == NULL && mu != NULL && n > 0;
  g_clear_pointer (&self->mu, g_free);
  self->n = mu != NULL ? n : 0;
  if (mu != NULL && n > 0)
    self->mu = g_memdup2 (mu, (gsize) n * L * sizeof (float));
  memset (self->mean, 0, sizeof self->mean);
  for (guint32 r = 0; r < self->n; r++)
    for (int k = 0; k < L; k++)
      self->mean[k] += self->mu[(gsize) r * L + k] / (float) self->n;
  gtk_widget_set_visible (GTK_WIDGET (self), L > 2);
  self->updating = TRUE;
  if (fresh)
    {
      self->L = L;
      GtkWidget *child;
      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->sliders))) != NULL)
        gtk_box_remove (self->sliders, child);
      memset (self->scales, 0, sizeof self->scales);
      for (int k = 0; k < L && L > 2; k++)
        {
          GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
          g_autofree char *name = g_strdup_printf ("z%d", k + 1);
          GtkWidget *label = gtk_label_new (name);
          gtk_label_set_width_chars (GTK_LABEL (label), 4);
          gtk_label_set_xalign (GTK_LABEL (label), 0);
          GtkWidget *scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, -4.0, 4.0, 0.05);
          gtk_scale_set_draw_value (GTK_SCALE (scale), TRUE);
          gtk_scale_set_digits (GTK_SCALE (scale), 2);
          gtk_widget_set_hexpand (scale, TRUE);
          g_autofree char *a11y = g_strdup_printf (_("Latent coordinate %d"), k + 1);
          gtk_accessible_update_property (GTK_ACCESSIBLE (scale), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
          g_signal_connect_swapped (scale, "value-changed", G_CALLBACK (controls_changed_cb), self);
          gtk_box_append (GTK_BOX (row), label);
          gtk_box_append (GTK_BOX (row), scale);
          gtk_box_append (self->sliders, row);
          self->scales[k] = GTK_RANGE (scale);
        }
      gtk_drop_down_set_selected (self->mode, mu != NULL ? 0 : 1);
      gtk_spin_button_set_range (self->axis_i, 1, MAX (L, 2));
      gtk_spin_button_set_range (self->axis_j, 1, MAX (L, 2));
      gtk_spin_button_set_value (self->axis_i, 1);
      gtk_spin_button_set_value (self->axis_j, 2);
    }
  if (first_codes && !fresh)
    gtk_drop_down_set_selected (self->mode, 0);
  if (fresh || first_codes || gtk_drop_down_get_selected (self->mode) == 0)
    for (int k = 0; k < L; k++)
      if (self->scales[k] != NULL)
        gtk_range_set_value (self->scales[k], self->mean[k]);
  self->updating = FALSE;
  rebuild (self);
}

void
gb_latent_slice_panel_get_slice (GbLatentSlicePanel *self, GbLatentSlice *out)
{
  g_return_if_fail (GB_IS_LATENT_SLICE_PANEL (self));
  if (self->L == 2 || self->L < 2)
    gb_latent_slice_axes (out, 2, 0, 1, NULL);
  else
    *out = self->slice;
}

static void
gb_latent_slice_panel_dispose (GObject *object)
{
  gb_form_dispose_template (GTK_WIDGET (object), GB_TYPE_LATENT_SLICE_PANEL);
  G_OBJECT_CLASS (gb_latent_slice_panel_parent_class)->dispose (object);
}

static void
gb_latent_slice_panel_finalize (GObject *object)
{
  g_free (GB_LATENT_SLICE_PANEL (object)->mu);
  G_OBJECT_CLASS (gb_latent_slice_panel_parent_class)->finalize (object);
}

static void
gb_latent_slice_panel_class_init (GbLatentSlicePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gb_latent_slice_panel_dispose;
  object_class->finalize = gb_latent_slice_panel_finalize;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-latent-slice-panel.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, GbLatentSlicePanel, name)
  CHILD (box);
  CHILD (title);
  CHILD (mode);
  CHILD (axis_i);
  CHILD (axis_j);
  CHILD (mean_button);
  CHILD (sliders);
#undef CHILD
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
gb_latent_slice_panel_init (GbLatentSlicePanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  g_signal_connect_swapped (self->mode, "notify::selected", G_CALLBACK (controls_changed_cb), self);
  g_signal_connect_swapped (self->axis_i, "value-changed", G_CALLBACK (controls_changed_cb), self);
  g_signal_connect_swapped (self->axis_j, "value-changed", G_CALLBACK (controls_changed_cb), self);
  g_signal_connect_swapped (self->mean_button, "clicked", G_CALLBACK (mean_clicked_cb), self);
}
