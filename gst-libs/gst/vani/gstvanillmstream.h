#ifndef __GSTVANILLMSTREAM_H__
#define __GSTVANILLMSTREAM_H__
#include <gst/vani/vani-prelude.h>
#endif
