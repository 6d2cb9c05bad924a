#ifndef __GSTVANIEVENTS_H__
#define __GSTVANIEVENTS_H__
#include <gst/vani/vani-prelude.h>
#endif
