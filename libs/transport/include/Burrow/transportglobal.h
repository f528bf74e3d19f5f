#pragma once

#include <QtCore/qglobal.h>

#if defined(BURROW_TRANSPORT_STATIC)
#  define BURROW_TRANSPORT_EXPORT
#elif defined(BURROW_TRANSPORT_BUILDING)
#  define BURROW_TRANSPORT_EXPORT Q_DECL_EXPORT
#else
#  define BURROW_TRANSPORT_EXPORT Q_DECL_IMPORT
#endif
