/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-error.h — the error domain of Glassbox's core. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GB_ERROR (gb_error_quark ())

typedef enum {
  GB_ERROR_INVALID_ARGUMENT, /* a parameter outside its range */
  GB_ERROR_CORRUPT,          /* a file that is not what it claims to be */
  GB_ERROR_SHAPE,            /* a tensor or image of the wrong shape */
  GB_ERROR_NOT_FOUND,        /* a file or tensor that is missing */
  GB_ERROR_DIVERGED,         /* training whose loss stopped being a number */
} GbError;

GQuark gb_error_quark (void);

G_END_DECLS
