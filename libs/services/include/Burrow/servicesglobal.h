#pragma once

#include <QtCore/qglobal.h>

#if defined(BURROW_SERVICES_STATIC)
#  define BURROW_SERVICES_EXPORT
#elif defined(BURROW_SERVICES_BUILDING)
#  define BURROW_SERVICES_EXPORT Q_DECL_EXPORT
#else
#  define BURROW_SERVICES_EXPORT Q_DECL_IMPORT
#endif
