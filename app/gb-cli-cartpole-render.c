/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-cli-cartpole-render.c — `glassbox render cartpole`: cart-pole's views as
 * the RL page's Export draws them — the replay, inside the DQN, the gradient
 * variance — and the short corridor. */
#include "gb-cli-verbs.h"
#include "gb-cli-common.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "gb-export.h"
#include "gb-nn.h"
#include "gb-rl-cart-agent.h"
#include "gb-rl-cartpole-paint.h"
#include "gb-rl-corridor-paint.h"
#include "gb-rl-dqn-paint.h"
#include "gb-rl-pg-paint.h"

typedef enum { VIEW_REPLAY, VIEW_DQN, VIEW_VARIANCE, VIEW_CORRIDOR } View;

typedef struct {
  View view;
  GbCartScene scene;
  GbDqnScene dqn;
  GbPgScene pg;
  GbCorridorScene corridor;
  GbPalette pal;
} CartRender;

static void
cart_paint_cb (cairo_t *cr, int w, int h, gpointer data)
{
  CartRender *r = data;
  switch (r->view)
    {
    case VIEW_DQN:      gb_dqn_paint (cr, w, h, &r->dqn, &r->pal); break;
    case VIEW_VARIANCE: gb_pg_spread_paint (cr, w, h, &r->pg, &r->pal); break;
    case VIEW_CORRIDOR: gb_corridor_paint (cr, w, h, &r->corridor, &r->pal); break;
    default:            gb_cartpole_paint (cr, w, h, &r->scene, &r->pal); break;
    }
}

static int
render_corridor (int episodes, CartRender *r, const char *out, int width, int height)
{
  GbCorridorConfig c;
  gb_corridor_config_init (&c, FALSE);
  g_autoptr (GbCorridorAgent) plain = gb_corridor_agent_new (&c, NULL);
  gb_corridor_config_init (&c, TRUE);
  g_autoptr (GbCorridorAgent) based = gb_corridor_agent_new (&c, NULL);
  for (int e = 0; e < episodes; e++)
    gb_corridor_agent_episode (plain), gb_corridor_agent_episode (based);
  r->corridor = (GbCorridorScene) { plain, based,
                                    _("The short corridor (Sutton & Barto, example 13.1): REINFORCE with and without a "
                                      "baseline") };
  g_autoptr (GError) error = NULL;
  if (!gb_export_file (out, width, height, cart_paint_cb, r, &error))
    return gb_cli_fail (g_steal_pointer (&error));
  double p = gb_corridor_agent_p (plain), q = gb_corridor_agent_p (based);
  printf (_("short corridor, %d episodes: REINFORCE p = %.4f (v %.3f), with a baseline p = %.4f (v %.3f)\nwrote %s\n"),
          episodes, p, gb_corridor_value (p), q, gb_corridor_value (q), out);
  return 0;
}

int
gb_cli_render_cartpole (int argc, char **argv)
{
  int episodes = 300, step = -1, width = 1200, height = 0, measure = 200;
  double lr = NAN, x = 0, x_dot = 0;
  gint64 seed = 1;
  gboolean by_age = FALSE;
  g_autofree char *out = NULL, *theme = NULL, *policy = NULL, *algo_key = NULL, *view_key = NULL;
  GOptionEntry entries[] = {
    { "view", 0, 0, G_OPTION_ARG_STRING, &view_key,
      N_("replay (the default), dqn (inside the Q-network), variance (the gradient's spread) or corridor"), N_("VIEW") },
    { "algo", 0, 0, G_OPTION_ARG_STRING, &algo_key,
      N_("reinforce (linear, the default), reinforce-mlp, reinforce-baseline, actor-critic or dqn"), N_("ALGO") },
    { "episodes", 0, 0, G_OPTION_ARG_INT, &episodes, N_("Episodes to train first (default 300)"), "N" },
    { "policy", 0, 0, G_OPTION_ARG_FILENAME, &policy,
      N_("Start from a policy or Q-network saved by the app instead; it plays (and learns from) one episode, as "
      "Open does"), N_("FILE") },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, N_("Adam step size (default: the algorithm's)"), "X" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed (default 1)"), "S" },
    { "step", 0, 0, G_OPTION_ARG_INT, &step,
      N_("Which step of the last episode to draw (default: its last, where the app's replay comes to rest)"), "T" },
    { "x", 0, 0, G_OPTION_ARG_DOUBLE, &x, N_("dqn: the cart's position of the Q surfaces (default 0)"), "X" },
    { "x-dot", 0, 0, G_OPTION_ARG_DOUBLE, &x_dot, N_("dqn: the cart's velocity of the Q surfaces (default 0)"), "V" },
    { "by-age", 0, 0, G_OPTION_ARG_NONE, &by_age, N_("dqn: colour the replay buffer by age, not TD error"), NULL },
    { "measure", 0, 0, G_OPTION_ARG_INT, &measure, N_("variance: fresh episodes to measure (default 200)"), "N" },
    { "width", 0, 0, G_OPTION_ARG_INT, &width, N_("Width in pixels (default 1200, as Export)"), "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, N_("Height in pixels (default: Export's for the view)"), "H" },
    { "theme", 0, 0, G_OPTION_ARG_STRING, &theme, N_("light or dark (default light)"), N_("THEME") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("Output file: .png, .svg or .pdf (required)"), N_("FILE") },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("--out FILE — train an agent on cart-pole and draw it"));
  int status = gb_cli_parse (ctx, entries,
    _("Trains an agent on CartPole-v1 (or loads one) and draws a view as the app's Export\n"
    "draws it. replay: a step of its last episode — the cart and pole, the policy over θ and\n"
    "θ̇, π, G_t and V(s_t) along the episode, the returns; dqn: Q over the plane, the replay\n"
    "buffer, the TD loss, ε, the target's lag and overestimation; variance: the spread of\n"
    "the policy gradient with and without the baseline; corridor: REINFORCE on the short\n"
    "corridor with and without a baseline (--episodes each)."),
    &argc, &argv, NULL);
  if (status >= 0)
    return status;
  if (out == NULL)
    return gb_cli_usage_error (ctx, _("--out FILE is required"));
  View view = VIEW_REPLAY;
  if (view_key != NULL)
    {
      if (g_str_equal (view_key, "dqn"))
        view = VIEW_DQN;
      else if (g_str_equal (view_key, "variance"))
        view = VIEW_VARIANCE;
      else if (g_str_equal (view_key, "corridor"))
        view = VIEW_CORRIDOR;
      else if (!g_str_equal (view_key, "replay"))
        return gb_cli_usage_error (ctx, _("--view is replay, dqn, variance or corridor"));
    }
  GbCartAlgo algo = view == VIEW_DQN ? GB_CART_DQN : view == VIEW_VARIANCE ? GB_CART_BASELINE : GB_CART_LINEAR;
  if (algo_key != NULL && !gb_cart_algo_parse (algo_key, &algo))
    return gb_cli_usage_error (ctx, _("--algo is reinforce, reinforce-mlp, reinforce-baseline, actor-critic or dqn"));
  if (episodes < 1 || episodes > 100000)
    return gb_cli_usage_error (ctx, _("--episodes is outside 1…100000"));
  if (measure < 2 || measure > 100000)
    return gb_cli_usage_error (ctx, _("--measure is outside 2…100000"));
  if (seed < 0)
    return gb_cli_usage_error (ctx, _("--seed must be ≥ 0"));
  if (!isfinite (x) || !isfinite (x_dot) || fabs (x) > 10 || fabs (x_dot) > 10)
    return gb_cli_usage_error (ctx, _("--x and --x-dot must be within ±10"));
  if (theme != NULL && !g_str_equal (theme, "dark") && !g_str_equal (theme, "light"))
    return gb_cli_usage_error (ctx, _("--theme is light or dark"));
  if (height <= 0)
    height = view == VIEW_DQN ? 820 : view == VIEW_REPLAY ? 760 : 900;   /* as the page's Export */
  CartRender r = { .view = view };
  gb_palette_init (&r.pal, theme != NULL && g_str_equal (theme, "dark"));
  if (view == VIEW_CORRIDOR)
    return render_corridor (episodes, &r, out, width, height);

  g_autoptr (GError) error = NULL;
  g_autoptr (GbCartAgent) agent = NULL;
  if (policy != NULL)
    {
      agent = gb_cart_agent_load (policy, &error);
      episodes = 1;
    }
  else
    {
      GbCartSettings c;
      gb_cart_settings_init (&c, algo);
      c.seed = (guint64) seed;
      if (!isnan (lr))
        c.lr = lr;
      agent = gb_cart_agent_new (algo, &c, &error);
    }
  if (agent == NULL)
    return gb_cli_fail (g_steal_pointer (&error));
  if (view == VIEW_DQN && agent->dqn == NULL)
    return gb_cli_usage_error (ctx, _("--view dqn draws a DQN: --algo dqn, or a Q-network's file"));
  if (view == VIEW_VARIANCE && agent->pg == NULL)
    return gb_cli_usage_error (ctx, _("--view variance measures a neural policy: --algo reinforce-mlp, "
                                    "reinforce-baseline or actor-critic"));
  gb_blas_set_threads (1);
  g_autoptr (GbCartEpisode) ep = gb_cart_episode_new ();
  for (int e = 0; e < episodes; e++)
    gb_cart_agent_episode (agent, ep);
  GArray *returns = gb_cart_agent_returns (agent);
  int n = (int) returns->len, tail = MIN (100, n), T = (int) ep->states->len;
  double mean = 0;
  for (int e = n - tail; e < n; e++)
    mean += g_array_index (returns, double, e) / tail;

  g_autoptr (GbDqnSnapshot) snap = NULL;
  g_autoptr (GbPgSpread) spread = NULL;
  g_autoptr (GbCartPolicy) pol = gb_cart_policy_new ();
  double surface[GB_CART_SURFACE_N * GB_CART_SURFACE_N];
  if (view == VIEW_DQN)
    {
      snap = gb_dqn_snapshot (agent->dqn, 1500);   /* as the page's tab */
      gb_dqn_snapshot_compute (snap, x, x_dot, 40);
      r.dqn = (GbDqnScene) { snap, by_age, TRUE, _("Inside the DQN — cart-pole") };
    }
  else if (view == VIEW_VARIANCE)
    {
      spread = gb_pg_spread (agent->pg, measure, 7919);   /* the page's first Measure */
      gboolean critic = gb_pg_has_critic (agent->pg);
      r.pg = (GbPgScene) { spread, critic, _("Why a baseline helps: the policy gradient's spread"),
                           critic ? _("The baseline is the agent's learned V(s_t); the agent itself does not learn "
                                      "from these episodes.")
                                  : _("This agent learns no V: the baseline is the mean return-to-go of these "
                                      "episodes.") };
    }
  else
    {
      if (step >= T)
        return gb_cli_usage_error (ctx, _("--step is past the end of the last episode"));
      if (step < 0)
        step = T - 1;
      gb_cart_policy_update (pol, agent);
      gb_cart_policy_surface (pol, GB_CART_SURFACE_P_RIGHT, 0, 0, GB_CART_SURFACE_N, surface);
      r.scene = gb_cartpole_replay_scene (agent->algo, surface, ep, step, (const double *) returns->data, n);
    }
  if (!gb_export_file (out, width, height, cart_paint_cb, &r, &error))
    return gb_cli_fail (g_steal_pointer (&error));
  printf (_("%s: %d episodes, mean return of the last %d: %.1f; last episode %d steps\n"),
          gb_cart_algo_title (agent->algo), n, tail, mean, T);
  if (spread != NULL)
    printf (_("gradient variance over %d episodes: %.4g without the baseline, %.4g with it (%.1f×)\n"), spread->n,
            spread->var_plain, spread->var_based, spread->var_based > 0 ? spread->var_plain / spread->var_based : 0);
  printf (_("wrote %s\n"), out);
  return 0;
}
