#ifndef __GSTVANISSE_H__
#define __GSTVANISSE_H__
#include <gst/vani/vani-prelude.h>
#endif
