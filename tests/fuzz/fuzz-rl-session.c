/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-rl-session.c — saved RL sessions (GKeyFile: map, algorithm, tables). */
#include "fuzz-common.h"

#include "gb-rl-session.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GbRlSession) s = gb_rl_session_load (fuzz_path (data, size), &error);
  FUZZ_CHECK_RESULT (s, error);
  return 0;
}
