#pragma once

#include <QtCore/qglobal.h>

#if defined(BURROW_ORM_STATIC)
#  define BURROW_ORM_EXPORT
#elif defined(BURROW_ORM_BUILDING)
#  define BURROW_ORM_EXPORT Q_DECL_EXPORT
#else
#  define BURROW_ORM_EXPORT Q_DECL_IMPORT
#endif
