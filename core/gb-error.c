#include "gb-error.h"

G_DEFINE_QUARK (gb-error-quark, gb_error)
