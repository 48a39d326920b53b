/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-page-private.h — what the RL page's files share (gb-rl-page.c, the
 * gridworlds and the shell; gb-rl-page-cart.c, cart-pole). */
#pragma once

#include "gb-page.h"
#include "gb-rl-page.h"

#include "gb-error.h"
#include "gb-export.h"
#include "gb-form.h"
#include "gb-frame-stats.h"
#include "gb-rl-cart-compare-view.h"
#include "gb-rl-cart-panel.h"
#include "gb-rl-cart-view.h"
#include "gb-rl-compare-view.h"
#include "gb-rl-corridor-view.h"
#include "gb-rl-dqn-view.h"
#include "gb-rl-grid-view.h"
#include "gb-rl-learner.h"
#include "gb-rl-pg-view.h"
#include "gb-rl-runner.h"
#include "gb-rl-session.h"
#include "gb-rl.h"

G_BEGIN_DECLS

#define N_PRESETS 5
#define ENV_CARTPOLE N_PRESETS
#define ENV_OPENED (N_PRESETS + 1)   /* the last map opened, once there is one */

struct _GbRlPage {
  GtkBox parent_instance;

  /* The template's. */
  GtkDropDown *env_drop, *algo_drop, *brush_drop, *algo_b_drop;
  GtkLabel *map_label, *status_label, *speed_label;
  GtkSpinButton *alpha, *gamma, *epsilon, *decay, *slip, *seed;
  GtkSpinButton *r_step, *r_goal, *r_pit, *r_cliff;
  GtkSpinButton *cmp_seeds, *cmp_episodes;
  GtkCheckButton *ties_check, *numbers_check, *q_check;
  GtkScale *speed;
  GtkButton *step_button, *episode_button, *compare_button, *back_button, *reset_button;
  GtkWidget *view_heading, *compare_heading, *edit_heading, *view_switcher;
  GtkToggleButton *play_button;
  GtkWidget *grid_box, *td_box, *cart_box;
  GtkStack *views;
  GbRlGridView *grid_view;
  GbRlCompareView *compare_view;
  GbRlCartView *cart_view;
  GbRlCartPanel *cart_panel;
  GbRlDqnView *dqn_view;
  GbRlPgView *pg_view;
  GbRlCorridorView *corridor_view;
  GbRlCartCompareView *cart_compare_view;
  gboolean cart_shipped;      /* the next cart-pole agent is the trained one that ships, when there is one */

  gboolean updating;          /* controls set from a map or a file, not by the user */
  GbGrid *grid;
  char *map_name;
  GbGrid *opened;             /* the last map opened from a file (or a session) */
  GbGridLearner *learner;
  GbRlRunner *runner;         /* plays flat out; its lock guards the agents and the map's MDP */

  gboolean playing;
  guint tick_id;
  gint64 last_frame_us, status_us;
  double due;
  GbFrameStats *stats;        /* NULL unless GLASSBOX_FRAME_STATS: frames drawn while playing */
  GSettings *settings;        /* the page's settings, remembered */
  GPtrArray *lesson_hidden;   /* of GtkWidget: what a lesson hid */
};

void     gb_rl_page_message     (GbRlPage *self, const char *text);
void     gb_rl_page_refresh     (GbRlPage *self);
void     gb_rl_page_show_mode   (GbRlPage *self);
void     gb_rl_page_show_opened (GbRlPage *self, const GbGrid *grid, const char *name);
void     gb_rl_page_install_grid (GbRlPage *self, GbGrid *grid, const char *name);
void     gb_rl_page_read_td_config (GbRlPage *self, GbTdConfig *c, GbLearnAlgo a);
gboolean gb_rl_page_cart_mode   (GbRlPage *self);
/* A new learner for the map and algorithm on show, or a new cart-pole agent (learning starts over). */
void     gb_rl_page_reset_run   (GbRlPage *self);
void     gb_rl_page_set_playing (GbRlPage *self, gboolean playing);

/* gb-rl-page-cart.c */
void     gb_rl_page_cart_reset  (GbRlPage *self);
void     gb_rl_page_cart_tabs   (GbRlPage *self);
gboolean gb_rl_page_cart_open   (GbRlPage *self, const char *path, GError **error);
void     gb_rl_page_cart_settings_changed_cb (GbRlCartPanel *panel, gboolean needs_reset, GbRlPage *self);
void     gb_rl_page_view_action (GtkWidget *widget, const char *name, GVariant *param);
/* The view tab on show: drawn (a GbExportPaintFunc, data the page), and its
 * numbers (NULL when it has none yet). */
void     gb_rl_page_tab_paint   (cairo_t *cr, int w, int h, gpointer data);
GbTable *gb_rl_page_tab_table   (GbRlPage *self, gboolean selection);

/* gb-rl-page-files.c */
gboolean gb_rl_page_open         (GbPage *page, const char *path, GError **error);
gboolean gb_rl_page_save_session (GbPage *page, const char *path, GError **error);
gboolean gb_rl_page_export       (GbPage *page, const char *path, GError **error);
void     gb_rl_page_files        (GbPage *page, GbPageFileKind kind, GbPageFiles *out);
void     gb_rl_page_save_map_action (GtkWidget *widget, const char *name, GVariant *param);

/* gb-rl-page-lesson.c */
gboolean gb_rl_page_apply_lesson (GbPage *page, const GbLesson *lesson, GError **error);
gboolean gb_rl_page_save_lesson  (GbPage *page, GKeyFile *kf, const char *group, const char *dir, GError **error);
void     gb_rl_page_end_lesson   (GbPage *page);

G_END_DECLS
