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
