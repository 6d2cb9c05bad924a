/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_PRELUDE_H__
#define __GST_VANI_PRELUDE_H__

#include <gst/gst.h>

#ifndef GST_VANI_API
# ifdef BUILDING_GST_VANI
#  define GST_VANI_API GST_API_EXPORT
# else
#  define GST_VANI_API GST_API_IMPORT
# endif
#endif

#endif /* __GST_VANI_PRELUDE_H__ */
