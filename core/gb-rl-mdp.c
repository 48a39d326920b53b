/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-mdp.c — finite MDPs and the gridworld text format. */
#include "gb-rl-mdp.h"
#include <glib/gi18n.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb-error.h"
#include "gb-file.h"

/* --- MDPs --- */

gboolean
gb_mdp_set_gamma (GbMdp *mdp, double gamma, GError **error)
{
  if (!(gamma >= 0.0 && gamma <= 1.0))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("γ %g is outside [0, 1]"), gamma);
      return FALSE;
    }
  mdp->gamma = gamma;
  return TRUE;
}

GbMdp *
gb_mdp_new (int n_states, int n_actions, double gamma, GError **error)
{
  if (n_states < 1 || n_states > (1 << 24) || n_actions < 1 || n_actions > 64)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("an MDP of %d states and %d actions is outside 1…16777216 and 1…64"), n_states, n_actions);
      return NULL;
    }
  GbMdp *mdp = g_new0 (GbMdp, 1);
  mdp->n_states = n_states;
  mdp->n_actions = n_actions;
  mdp->offsets = g_new0 (guint32, (gsize) n_states * n_actions + 1);
  mdp->terminal = g_new0 (guint8, n_states);
  if (!gb_mdp_set_gamma (mdp, gamma, error))
    {
      gb_mdp_free (mdp);
      return NULL;
    }
  return mdp;
}

void
gb_mdp_free (GbMdp *mdp)
{
  if (mdp == NULL)
    return;
  g_free (mdp->offsets);
  g_free (mdp->outcomes);
  g_free (mdp->terminal);
  g_free (mdp);
}

/* --- gridworlds --- */

/* Each preset's key, its name as shown (translated; the text's own name is
 * the English one), and its map. */
static const struct {
  const char *name;
  const char *title;
  const char *text;
} presets[] = {
  { "4x3", N_("4x3 world (AIMA)"),
    "# The 4×3 world of Russell & Norvig, Artificial Intelligence: A Modern Approach, ch. 17:\n"
    "# the intended move with probability 0.8, each perpendicular one with 0.1.\n"
    "name = 4x3 world (AIMA)\n"
    "step = -0.04\n"
    "goal = 1\n"
    "pit = -1\n"
    "slip = 0.2\n"
    "gamma = 1\n"
    "grid:\n"
    "...G\n"
    ".#.P\n"
    "S...\n" },
  { "cliff", N_("Cliff Walking (Sutton & Barto)"),
    "# Cliff Walking, Sutton & Barto, Reinforcement Learning (2018), example 6.6: −1 a step,\n"
    "# −100 for stepping into the cliff (the step's −1 and −99), which sends the agent back to S.\n"
    "name = Cliff Walking (Sutton & Barto)\n"
    "step = -1\n"
    "goal = 0\n"
    "cliff = -99\n"
    "slip = 0\n"
    "gamma = 1\n"
    "grid:\n"
    "............\n"
    "............\n"
    "............\n"
    "SCCCCCCCCCCG\n" },
  { "frozenlake4", N_("FrozenLake 4×4"),
    "# FrozenLake 4×4 as in Gymnasium: slippery (each of the three directions that are not\n"
    "# backwards with probability 1/3), +1 for reaching the goal, holes end the episode.\n"
    "name = FrozenLake 4×4\n"
    "step = 0\n"
    "goal = 1\n"
    "pit = 0\n"
    "slip = 0.6666666666666666\n"
    "gamma = 0.99\n"
    "grid:\n"
    "S...\n"
    ".H.H\n"
    "...H\n"
    "H..G\n" },
  { "frozenlake8", N_("FrozenLake 8×8"),
    "# FrozenLake 8×8 as in Gymnasium (slippery).\n"
    "name = FrozenLake 8×8\n"
    "step = 0\n"
    "goal = 1\n"
    "pit = 0\n"
    "slip = 0.6666666666666666\n"
    "gamma = 0.99\n"
    "grid:\n"
    "S.......\n"
    "........\n"
    "...H....\n"
    ".....H..\n"
    "...H....\n"
    ".HH...H.\n"
    ".H..H.H.\n"
    "...H...G\n" },
  { "maze", N_("Maze"),
    "# A deterministic maze: −1 a step to the goal.\n"
    "name = Maze\n"
    "step = -1\n"
    "goal = 0\n"
    "slip = 0\n"
    "gamma = 1\n"
    "grid:\n"
    "S.#.......\n"
    ".##.####.#\n"
    "....#....#\n"
    "###.#.##.#\n"
    "#...#..#..\n"
    "#.####.##.\n"
    "#......#..\n"
    "####.#.#.#\n"
    "#....#...#\n"
    "#.####.#.G\n" },
};

const char *const *
gb_grid_preset_names (void)
{
  static const char *names[G_N_ELEMENTS (presets) + 1];
  for (gsize i = 0; i < G_N_ELEMENTS (presets); i++)
    names[i] = presets[i].name;
  return names;
}

const char *
gb_grid_preset_text (const char *preset)
{
  for (gsize i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_str_equal (presets[i].name, preset))
      return presets[i].text;
  return NULL;
}

void
gb_grid_free (GbGrid *grid)
{
  if (grid == NULL)
    return;
  g_free (grid->name);
  g_free (grid->cells);
  gb_mdp_free (grid->mdp);
  g_free (grid->state_of_cell);
  g_free (grid->cell_of_state);
  g_free (grid);
}

static const int dr[4] = { -1, 0, 1, 0 }, dc[4] = { 0, 1, 0, -1 };

/* The cell reached from (r, c) by moving in direction d. */
static int
move (const GbGrid *g, int r, int c, int d)
{
  int nr = r + dr[d], nc = c + dc[d];
  if (nr < 0 || nr >= g->rows || nc < 0 || nc >= g->cols || g->cells[nr * g->cols + nc] == GB_CELL_WALL)
    return r * g->cols + c;
  return nr * g->cols + nc;
}

static gboolean
build_mdp (GbGrid *g, GError **error)
{
  int n = 0, start = -1;
  g_free (g->state_of_cell);
  g_free (g->cell_of_state);
  g->state_of_cell = g_new (int, g->rows * g->cols);
  for (int i = 0; i < g->rows * g->cols; i++)
    g->state_of_cell[i] = g->cells[i] == GB_CELL_WALL ? -1 : n++;
  g->cell_of_state = g_new (int, MAX (n, 1));
  for (int i = 0; i < g->rows * g->cols; i++)
    if (g->state_of_cell[i] >= 0)
      {
        g->cell_of_state[g->state_of_cell[i]] = i;
        if (g->cells[i] == GB_CELL_START)
          start = i;
      }
  g_autoptr (GbMdp) mdp = gb_mdp_new (n, 4, g->gamma, error);
  if (mdp == NULL)
    return FALSE;
  mdp->start = (guint32) g->state_of_cell[start];
  /* At most three outcomes per (s, a): intended and the two sides. */
  GArray *out = g_array_sized_new (FALSE, FALSE, sizeof (GbOutcome), (gsize) n * 4 * 3);
  for (int s = 0; s < n; s++)
    {
      int cell = g->cell_of_state[s], r = cell / g->cols, c = cell % g->cols;
      GbCell kind = g->cells[cell];
      mdp->terminal[s] = kind == GB_CELL_GOAL || kind == GB_CELL_PIT;
      for (int a = 0; a < 4; a++)
        {
          mdp->offsets[s * 4 + a] = out->len;
          if (mdp->terminal[s])
            continue;
          const int dirs[3] = { a, (a + 1) % 4, (a + 3) % 4 };
          const double probs[3] = { 1.0 - g->slip, g->slip / 2, g->slip / 2 };
          guint first = out->len;
          for (int k = 0; k < 3; k++)
            {
              if (probs[k] <= 0.0)
                continue;
              int to = move (g, r, c, dirs[k]);
              double rew = g->step;
              GbCell tk = g->cells[to];
              if (tk == GB_CELL_GOAL)
                rew += g->goal;
              else if (tk == GB_CELL_PIT)
                rew += g->pit;
              else if (tk == GB_CELL_CLIFF)
                {
                  rew += g->cliff;
                  to = start;
                }
              guint32 next = (guint32) g->state_of_cell[to];
              /* Merge outcomes that land in the same place with the same reward. */
              gboolean merged = FALSE;
              for (guint j = first; j < out->len && !merged; j++)
                {
                  GbOutcome *o = &g_array_index (out, GbOutcome, j);
                  if (o->next == next && o->r == (float) rew)
                    {
                      o->p += (float) probs[k];
                      merged = TRUE;
                    }
                }
              if (!merged)
                {
                  GbOutcome o = { next, (float) probs[k], (float) rew };
                  g_array_append_val (out, o);
                }
            }
        }
    }
  mdp->offsets[n * 4] = out->len;
  mdp->outcomes = (GbOutcome *) g_array_free (out, FALSE);
  gb_mdp_free (g->mdp);
  g->mdp = g_steal_pointer (&mdp);
  return TRUE;
}

gboolean
gb_grid_set_slip (GbGrid *grid, double slip, GError **error)
{
  if (!(slip >= 0.0 && slip <= 1.0))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("slip probability %g is outside [0, 1]"), slip);
      return FALSE;
    }
  grid->slip = slip;
  return build_mdp (grid, error);
}

static gboolean
parse_number (const char *name, int line, const char *key, const char *value, double *out, GError **error)
{
  char *end = NULL;
  double v = g_ascii_strtod (value, &end);
  while (end && (*end == ' ' || *end == '\t'))
    end++;
  if (end == value || (end && *end != '\0' && *end != '#') || !isfinite (v))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s:%d: “%s” needs a number, got “%s”"), name, line, key, value);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

/* Gymnasium's FrozenLake map without Glassbox's header: rows of S, F, H and G
 * one to a line, or quoted as Python prints its list of strings
 * (["SFFF", "FHFH", …], on one line or many). NULL when text is not that. */
static char *
gymnasium_rows (const char *text)
{
  g_autoptr (GString) rows = g_string_new (NULL);
  const char *p = text;
  gboolean quoted = strpbrk (text, "\"'") != NULL;
  while (*p)
    {
      const char *start, *end;
      if (quoted)
        {
          start = strpbrk (p, "\"'");
          if (start == NULL)
            break;
          end = strchr (start + 1, *start);
          if (end == NULL)
            return NULL;
          start++;
          p = end + 1;
        }
      else
        {
          end = strchr (p, '\n');
          end = end ? end : p + strlen (p);
          start = p;
          p = *end ? end + 1 : end;
          while (start < end && g_ascii_isspace (*start))
            start++;
          while (end > start && g_ascii_isspace (end[-1]))
            end--;
          if (start == end || *start == '#')
            continue;
        }
      if (start == end)
        return NULL;
      for (const char *c = start; c < end; c++)
        if (strchr ("SFHG", *c) == NULL)
          return NULL;
      g_string_append_len (rows, start, end - start);
      g_string_append_c (rows, '\n');
    }
  return rows->len > 0 ? g_strdup (rows->str) : NULL;
}

GbGrid *
gb_grid_parse (const char *text, const char *name, GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  name = name ? name : "map";
  g_autofree char *gym = strstr (text, "grid:") == NULL ? gymnasium_rows (text) : NULL;
  if (gym != NULL)
    {
      /* FrozenLake's own rules (Gymnasium's defaults: is_slippery, γ as its docs' 0.99). */
      g_auto (GStrv) lines = g_strsplit (gym, "\n", -1);
      g_autofree char *full = g_strdup_printf ("name = FrozenLake %d×%d\nstep = 0\ngoal = 1\npit = 0\n"
                                               "slip = 0.6666666666666666\ngamma = 0.99\ngrid:\n%s",
                                               (int) g_strv_length (lines) - 1, (int) strlen (lines[0]), gym);
      return gb_grid_parse (full, name, error);
    }
  g_autoptr (GbGrid) g = g_new0 (GbGrid, 1);
  g->step = -0.04, g->goal = 1.0, g->pit = -1.0, g->cliff = -100.0, g->slip = 0.0, g->gamma = 1.0;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  g_autoptr (GArray) row_line = g_array_new (FALSE, FALSE, sizeof (int));
  gboolean in_grid = FALSE;
  for (int i = 0; lines[i] != NULL; i++)
    {
      char *l = g_strchomp (lines[i]);   /* also drops a \r */
      int lineno = i + 1;
      if (!in_grid)
        {
          char *t = g_strstrip (l);
          if (*t == '\0' || *t == '#')
            continue;
          if (g_str_equal (t, "grid:"))
            {
              in_grid = TRUE;
              continue;
            }
          char *eq = strchr (t, '=');
          if (eq == NULL)
            {
              g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                           _("%s:%d: expected “key = value” or “grid:”, got “%s”"), name, lineno, t);
              return NULL;
            }
          *eq = '\0';
          char *key = g_strstrip (t), *value = g_strstrip (eq + 1);
          if (g_str_equal (key, "name"))
            {
              g_free (g->name);
              g->name = g_strdup (value);
              continue;
            }
          double *slot = g_str_equal (key, "step") ? &g->step : g_str_equal (key, "goal") ? &g->goal
                       : g_str_equal (key, "pit") ? &g->pit : g_str_equal (key, "cliff") ? &g->cliff
                       : g_str_equal (key, "slip") ? &g->slip : g_str_equal (key, "gamma") ? &g->gamma : NULL;
          if (slot == NULL)
            {
              g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                           _("%s:%d: unknown key “%s” (name, step, goal, pit, cliff, slip, gamma)"), name, lineno, key);
              return NULL;
            }
          if (!parse_number (name, lineno, key, value, slot, error))
            return NULL;
          continue;
        }
      if (*l == '\0')
        continue;      /* blank lines after the grid */
      g_ptr_array_add (rows, l);
      g_array_append_val (row_line, lineno);
    }
  if (rows->len == 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: no grid (a line “grid:” followed by the map's rows)"), name);
      return NULL;
    }
  if (!(g->gamma >= 0.0 && g->gamma <= 1.0))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("%s: γ %g is outside [0, 1]"), name, g->gamma);
      return NULL;
    }
  if (!(g->slip >= 0.0 && g->slip <= 1.0))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("%s: slip probability %g is outside [0, 1]"), name, g->slip);
      return NULL;
    }
  g->rows = (int) rows->len;
  g->cols = (int) g_utf8_strlen (rows->pdata[0], -1);
  if (g->rows > GB_GRID_MAX_SIDE || g->cols > GB_GRID_MAX_SIDE || (gint64) g->rows * g->cols > GB_GRID_MAX_CELLS)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: a grid of %d × %d cells is larger than %d cells (%d a side)"),
                   name, g->rows, g->cols, GB_GRID_MAX_CELLS, GB_GRID_MAX_SIDE);
      return NULL;
    }
  g->cells = g_new (GbCell, g->rows * g->cols);
  int starts = 0;
  for (int r = 0; r < g->rows; r++)
    {
      const char *row = rows->pdata[r];
      int lineno = g_array_index (row_line, int, r);
      if ((int) strlen (row) != g->cols || (int) g_utf8_strlen (row, -1) != g->cols)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s:%d: row %d has %d cells, the first row has %d (rows must be equal)"),
                       name, lineno, r + 1, (int) g_utf8_strlen (row, -1), g->cols);
          return NULL;
        }
      for (int c = 0; c < g->cols; c++)
        {
          GbCell k;
          switch (row[c])
            {
            case '.': case 'F': k = GB_CELL_EMPTY; break;   /* F: FrozenLake's frozen */
            case '#': k = GB_CELL_WALL; break;
            case 'S': k = GB_CELL_START; starts++; break;
            case 'G': k = GB_CELL_GOAL; break;
            case 'P': case 'H': k = GB_CELL_PIT; break;
            case 'C': k = GB_CELL_CLIFF; break;
            default:
              g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                           _("%s:%d: unknown cell “%c” in column %d (use . # S G P H C, or F for frozen)"), name, lineno, row[c], c + 1);
              return NULL;
            }
          g->cells[r * g->cols + c] = k;
        }
    }
  if (starts != 1)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: the map needs exactly one start S, it has %d"), name, starts);
      return NULL;
    }
  if (g->name == NULL)
    g->name = g_strdup (name);
  if (!build_mdp (g, error))
    return NULL;
  return g_steal_pointer (&g);
}

GbGrid *
gb_grid_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;
  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  g_autofree char *base = g_path_get_basename (path);
  if (len > 4 << 20 || memchr (text, '\0', len) != NULL || !g_utf8_validate (text, (gssize) len, NULL))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: not a text map (binary, not UTF-8, or over 4 MiB)"), base);
      return NULL;
    }
  return gb_grid_parse (text, base, error);
}

GbGrid *
gb_grid_preset (const char *preset, GError **error)
{
  const char *text = gb_grid_preset_text (preset);
  if (text == NULL)
    {
      g_autofree char *names = g_strjoinv (", ", (char **) gb_grid_preset_names ());
      g_set_error (error, GB_ERROR, GB_ERROR_NOT_FOUND, _("no preset “%s” (there are %s)"), preset, names);
      return NULL;
    }
  GbGrid *grid = gb_grid_parse (text, preset, error);
  for (gsize i = 0; grid != NULL && i < G_N_ELEMENTS (presets); i++)
    if (g_str_equal (presets[i].name, preset))
      {
        g_free (grid->name);
        grid->name = g_strdup (_(presets[i].title));
      }
  return grid;
}

GbGrid *
gb_grid_copy (const GbGrid *grid, const char *name)
{
  g_autofree char *text = gb_grid_to_text (grid);
  GbGrid *copy = gb_grid_parse (text, name, NULL);   /* its own text: it parses */
  g_free (copy->name);
  copy->name = g_strdup (name);
  return copy;
}

char *
gb_grid_to_text (const GbGrid *g)
{
  GString *s = g_string_new (NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append_printf (s, "name = %s\n", g->name);
  g_string_append_printf (s, "step = %s\n", g_ascii_dtostr (buf, sizeof buf, g->step));
  g_string_append_printf (s, "goal = %s\n", g_ascii_dtostr (buf, sizeof buf, g->goal));
  g_string_append_printf (s, "pit = %s\n", g_ascii_dtostr (buf, sizeof buf, g->pit));
  g_string_append_printf (s, "cliff = %s\n", g_ascii_dtostr (buf, sizeof buf, g->cliff));
  g_string_append_printf (s, "slip = %s\n", g_ascii_dtostr (buf, sizeof buf, g->slip));
  g_string_append_printf (s, "gamma = %s\n", g_ascii_dtostr (buf, sizeof buf, g->gamma));
  g_string_append (s, "grid:\n");
  static const char chars[] = { '.', '#', 'S', 'G', 'P', 'C' };
  for (int r = 0; r < g->rows; r++)
    {
      for (int c = 0; c < g->cols; c++)
        g_string_append_c (s, chars[g->cells[r * g->cols + c]]);
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

gboolean
gb_grid_set_cell (GbGrid *grid, int r, int c, GbCell kind, GError **error)
{
  if (r < 0 || r >= grid->rows || c < 0 || c >= grid->cols)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("cell (%d, %d) is outside the %d × %d grid"),
                   r, c, grid->rows, grid->cols);
      return FALSE;
    }
  GbCell *cell = &grid->cells[r * grid->cols + c];
  if (*cell == GB_CELL_START && kind != GB_CELL_START)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("the start cannot be painted over: put the start somewhere else first"));
      return FALSE;
    }
  if (kind == GB_CELL_START)
    for (int i = 0; i < grid->rows * grid->cols; i++)
      if (grid->cells[i] == GB_CELL_START)
        grid->cells[i] = GB_CELL_EMPTY;
  *cell = kind;
  return build_mdp (grid, error);
}

gboolean
gb_grid_set_rewards (GbGrid *grid, double step, double goal, double pit, double cliff, GError **error)
{
  if (!isfinite (step) || !isfinite (goal) || !isfinite (pit) || !isfinite (cliff))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("rewards must be finite numbers"));
      return FALSE;
    }
  grid->step = step, grid->goal = goal, grid->pit = pit, grid->cliff = cliff;
  return build_mdp (grid, error);
}

gboolean
gb_grid_save (const GbGrid *grid, const char *path, GError **error)
{
  g_autofree char *text = gb_grid_to_text (grid);
  return gb_file_save (path, text, strlen (text), error);
}

int
gb_grid_gymnasium_action (int gym)
{
  /* Gymnasium: 0 Left, 1 Down, 2 Right, 3 Up. Glassbox: GB_UP, GB_RIGHT, GB_DOWN, GB_LEFT. */
  static const int ours[4] = { GB_LEFT, GB_DOWN, GB_RIGHT, GB_UP };
  g_return_val_if_fail (gym >= 0 && gym < 4, 0);
  return ours[gym];
}

double *
gb_grid_q_gymnasium (const GbGrid *grid, const double *Q)
{
  g_return_val_if_fail (grid != NULL && Q != NULL && grid->mdp->n_actions == 4, NULL);
  int cells = grid->rows * grid->cols;
  double *out = g_new0 (double, (gsize) cells * 4);
  for (int cell = 0; cell < cells; cell++)
    {
      int s = grid->state_of_cell[cell];
      for (int g = 0; s >= 0 && g < 4; g++)
        out[(gsize) cell * 4 + g] = Q[(gsize) s * 4 + gb_grid_gymnasium_action (g)];
    }
  return out;
}
