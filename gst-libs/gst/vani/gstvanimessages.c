#include "gstvanimessages.h"
