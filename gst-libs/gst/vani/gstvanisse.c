#include "gstvanisse.h"
