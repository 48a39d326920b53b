/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-cartpole-policy.c — saved cart-pole policies (GKeyFile: weights,
 * optimiser state, returns), then one decision. */
#include "fuzz-common.h"

#include "gb-rl-cartpole.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  GbReinforce *agent = gb_reinforce_load (fuzz_path (data, size), &error);
  FUZZ_CHECK_RESULT (agent, error);
  if (agent == NULL)
    return 0;
  GbCartState s = { 0 };
  gb_reinforce_p_right (agent, &s);
  gb_reinforce_free (agent);
  return 0;
}
