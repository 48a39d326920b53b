/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-models.c — loading the shipped models from the GResource. */
#include "gb-models.h"

#include <gio/gio.h>

#include "gb-vae-file.h"

GbVae *
gb_shipped_vae_load (GError **error)
{
  g_autoptr (GBytes) bytes = g_resources_lookup_data (GB_SHIPPED_VAE_RESOURCE,
                                                      G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;
  return gb_vae_load_bytes (bytes, "shipped vae.safetensors", error);
}

GbCartAgent *
gb_shipped_cart_agent_load (GbCartAlgo algo, GError **error)
{
  if (algo == GB_CART_LINEAR)
    return NULL;
  gboolean dqn = algo == GB_CART_DQN;
  g_autoptr (GBytes) bytes = g_resources_lookup_data (dqn ? GB_SHIPPED_CARTPOLE_DQN_RESOURCE
                                                          : GB_SHIPPED_CARTPOLE_POLICY_RESOURCE,
                                                      G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;
  g_autoptr (GbSafetensors) st = gb_safetensors_new_from_bytes (bytes, dqn ? "shipped cartpole-dqn.safetensors"
                                                                           : "shipped cartpole-policy.safetensors",
                                                                error);
  return st != NULL ? gb_cart_agent_from_safetensors (st, algo, error) : NULL;
}
