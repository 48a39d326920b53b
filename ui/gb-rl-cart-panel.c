/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cart-panel.c — the cart-pole learner's settings (see the header). */
#include "gb-rl-cart-panel.h"

#include "gb-form.h"

struct _GbRlCartPanel {
  GtkWidget parent_instance;

  GtkDropDown *algo_drop;
  GtkSpinButton *lr, *gamma, *hidden, *lr_value, *batch, *buffer, *target_every, *tau, *eps_end, *eps_steps;
  GtkCheckButton *huber, *double_check;
  GtkWidget *net_box, *critic_box, *dqn_box;
  GtkLabel *note;
  gboolean updating;   /* set by the program, not the user */
};

G_DEFINE_FINAL_TYPE (GbRlCartPanel, gb_rl_cart_panel, GTK_TYPE_WIDGET)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

GbCartAlgo
gb_rl_cart_panel_get_algo (GbRlCartPanel *self)
{
  return (GbCartAlgo) MIN (gtk_drop_down_get_selected (self->algo_drop), GB_CART_N_ALGOS - 1);
}

void
gb_rl_cart_panel_get_settings (GbRlCartPanel *self, GbCartSettings *s)
{
  gb_cart_settings_init (s, gb_rl_cart_panel_get_algo (self));
  s->seed = 0;
  s->lr = gtk_spin_button_get_value (self->lr);
  s->gamma = gtk_spin_button_get_value (self->gamma);
  s->hidden = gtk_spin_button_get_value_as_int (self->hidden);
  s->lr_value = gtk_spin_button_get_value (self->lr_value);
  s->batch = gtk_spin_button_get_value_as_int (self->batch);
  s->buffer = gtk_spin_button_get_value_as_int (self->buffer);
  s->target_every = gtk_spin_button_get_value_as_int (self->target_every);
  s->tau = gtk_spin_button_get_value (self->tau);
  s->eps_end = gtk_spin_button_get_value (self->eps_end);
  s->eps_steps = gtk_spin_button_get_value_as_int (self->eps_steps);
  s->huber = gtk_check_button_get_active (self->huber);
  s->double_dqn = gtk_check_button_get_active (self->double_check);
}

/* Which settings the algorithm has. */
static void
show_groups (GbRlCartPanel *self)
{
  GbCartAlgo a = gb_rl_cart_panel_get_algo (self);
  gtk_widget_set_visible (self->net_box, a != GB_CART_LINEAR);
  gtk_widget_set_visible (self->critic_box, a == GB_CART_BASELINE || a == GB_CART_ACTOR_CRITIC);
  gtk_widget_set_visible (self->dqn_box, a == GB_CART_DQN);
  gtk_widget_set_sensitive (GTK_WIDGET (self->tau), gtk_spin_button_get_value_as_int (self->target_every) == 0);
}

void
gb_rl_cart_panel_set_algo (GbRlCartPanel *self, GbCartAlgo algo)
{
  gtk_drop_down_set_selected (self->algo_drop, algo);
}

void
gb_rl_cart_panel_show (GbRlCartPanel *self, GbCartAlgo algo, const GbCartSettings *s)
{
  self->updating = TRUE;
  gtk_drop_down_set_selected (self->algo_drop, algo);
  gtk_spin_button_set_value (self->lr, s->lr);
  gtk_spin_button_set_value (self->gamma, s->gamma);
  gtk_spin_button_set_value (self->hidden, s->hidden);
  gtk_spin_button_set_value (self->lr_value, s->lr_value);
  gtk_spin_button_set_value (self->batch, s->batch);
  gtk_spin_button_set_value (self->buffer, s->buffer);
  gtk_spin_button_set_value (self->target_every, s->target_every);
  gtk_spin_button_set_value (self->tau, s->tau);
  gtk_spin_button_set_value (self->eps_end, s->eps_end);
  gtk_spin_button_set_value (self->eps_steps, s->eps_steps);
  gtk_check_button_set_active (self->huber, s->huber);
  gtk_check_button_set_active (self->double_check, s->double_dqn);
  self->updating = FALSE;
  show_groups (self);
}

void
gb_rl_cart_panel_set_note (GbRlCartPanel *self, const char *text)
{
  gtk_label_set_text (self->note, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->note), text != NULL && *text);
}

static void
emit (GbRlCartPanel *self, gboolean needs_reset)
{
  show_groups (self);
  if (!self->updating)
    g_signal_emit (self, signals[CHANGED], 0, needs_reset);
}

/* A new algorithm starts from its own defaults. */
static void
algo_changed_cb (GtkDropDown *drop, GParamSpec *pspec, GbRlCartPanel *self)
{
  if (self->updating)
    return;
  GbCartSettings s;
  gb_cart_settings_init (&s, gb_rl_cart_panel_get_algo (self));
  gb_rl_cart_panel_show (self, gb_rl_cart_panel_get_algo (self), &s);
  emit (self, TRUE);
}

static void
live_changed_cb (GtkSpinButton *spin, GbRlCartPanel *self)
{
  emit (self, FALSE);
}

static void
live_toggled_cb (GtkCheckButton *check, GbRlCartPanel *self)
{
  emit (self, FALSE);
}

static void
reset_changed_cb (GtkSpinButton *spin, GbRlCartPanel *self)
{
  emit (self, TRUE);
}

static void
gb_rl_cart_panel_dispose (GObject *object)
{
  gb_form_dispose_template (GTK_WIDGET (object), GB_TYPE_RL_CART_PANEL);
  G_OBJECT_CLASS (gb_rl_cart_panel_parent_class)->dispose (object);
}

static void
gb_rl_cart_panel_class_init (GbRlCartPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gb_rl_cart_panel_dispose;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-rl-cart-panel.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, GbRlCartPanel, name)
  CHILD (algo_drop), CHILD (lr), CHILD (gamma), CHILD (hidden), CHILD (lr_value), CHILD (batch), CHILD (buffer);
  CHILD (target_every), CHILD (tau), CHILD (eps_end), CHILD (eps_steps), CHILD (huber), CHILD (double_check);
  CHILD (net_box), CHILD (critic_box), CHILD (dqn_box), CHILD (note);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, algo_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, live_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, live_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, reset_changed_cb);
}

static void
gb_rl_cart_panel_init (GbRlCartPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  GbCartSettings s;
  gb_cart_settings_init (&s, GB_CART_DQN);   /* cart-pole opens on the shipped DQN */
  gb_rl_cart_panel_show (self, GB_CART_DQN, &s);
  gb_rl_cart_panel_set_note (self, NULL);
}
