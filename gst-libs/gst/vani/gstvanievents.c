#include "gstvanievents.h"
