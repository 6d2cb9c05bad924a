#include "gstvanillmstream.h"
