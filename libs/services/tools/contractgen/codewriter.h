#pragma once

#include "contractmodel.h"

#include <QtCore/QByteArray>
#include <QtCore/QString>

// The generated header: includes the contract header and declares one <Class>Async wrapper per
// contract.
QByteArray generateHeader(const ContractFile &file, const QString &contractHeader);

// The generated source: includes the generated header, defines every contract's remote proxy,
// dispatcher and burrowContract().
QByteArray generateSource(const ContractFile &file, const QString &generatedHeaderName);
