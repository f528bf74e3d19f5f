#pragma once

#include "alltypes.h"

#include <QtCore/QStringList>
#include <QtCore/QVariantList>

// The one client function run against a local TypesService and against remote proxies: calls
// every method of ITypesService with sample values (edge values included), checks each result
// against what was sent and appends the results to *results (so that runs can be compared).
// Returns a description of every mismatch; empty when all round-trips were exact.
QStringList exerciseTypes(TestContracts::ITypesService *service, QVariantList *results);

// Sample values used by exerciseTypes(), also handy for async tests.
TestContracts::Shape sampleShape();
QDateTime sampleDateTime();
