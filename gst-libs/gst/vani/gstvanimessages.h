#ifndef __GSTVANIMESSAGES_H__
#define __GSTVANIMESSAGES_H__
#include <gst/vani/vani-prelude.h>
#endif
